#!/usr/bin/env python
"""Kept for Django habits; `sigap` (installed by pip) is the same command."""
from sigap.__main__ import main

if __name__ == "__main__":
    main()
