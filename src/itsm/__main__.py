"""``python -m itsm``: the same as the ``itsm`` command."""

from itsm.cli.main import run

if __name__ == "__main__":
    run()
