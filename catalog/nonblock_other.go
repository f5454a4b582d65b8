//go:build !unix

package catalog

// nonblock is 0 where opening cannot block on FIFOs the same way.
const nonblock = 0
