// Package greet is a local module replaced into the hello fixture.
package greet

// Hello returns a greeting.
func Hello() string { return "hello" }
