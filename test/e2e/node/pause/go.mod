module e2enode/pause

go 1.26
