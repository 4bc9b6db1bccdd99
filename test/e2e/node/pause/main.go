// Command pause is the pod sandbox image of the e2e node: it holds the pod's namespaces and
// waits for SIGTERM or SIGINT, like registry.k8s.io/pause. Static, no libc.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM, syscall.SIGINT)
	<-c
}
