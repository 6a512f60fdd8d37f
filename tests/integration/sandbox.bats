#!/usr/bin/env bats
# agent-sandbox against the real kernel.  Filled in with the engine.

@test "placeholder: agent-sandbox exists" {
	[ -x "${AS_BUILD_DIR}/tools/agent-sandbox" ]
}
