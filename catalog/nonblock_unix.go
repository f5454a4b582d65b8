//go:build unix

package catalog

import "syscall"

// nonblock opens files without blocking on FIFOs.
const nonblock = syscall.O_NONBLOCK
