"""``python -m itsm``: the same as the ``itsm`` command."""

from itsm.cli.main import main

if __name__ == "__main__":
    main()
