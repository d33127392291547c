import sys

from pymon.cli import main

sys.exit(main())
