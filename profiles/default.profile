[profile]
