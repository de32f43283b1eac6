//go:build !linux

package redistest

import "os/exec"

// killWithParent does nothing where the kernel cannot tie a child's life to
// its parent's; servers are still stopped by Main and t.Cleanup.
func killWithParent(*exec.Cmd) {}
