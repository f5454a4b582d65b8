module example.com/agreement/sshclient

go 1.22.1

toolchain go1.22.3

require golang.org/x/crypto v0.16.0

require golang.org/x/sys v0.15.0 // indirect
