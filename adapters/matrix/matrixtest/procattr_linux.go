package matrixtest

import "syscall"

// sysProcAttr kills Dendrite when the test binary dies without running Main's cleanup (a test
// timeout panic, a kill -9), so no server outlives its tests.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
