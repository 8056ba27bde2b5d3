"""The commands (`tfrainbow-train-rainbow`, ...; binaries/NAME.py runs the same by path)."""
