"""Operating-system plumbing, apart from the run loops: quiet output, devices, loopback."""
