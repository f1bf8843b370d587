//go:build !linux

package matrixtest

import "syscall"

// sysProcAttr: outside Linux there is no parent-death signal; Main's cleanup stops Dendrite.
func sysProcAttr() *syscall.SysProcAttr { return nil }
