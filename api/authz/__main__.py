"""``python -m api.authz --markdown``: print the README's authorization table."""

from __future__ import annotations

import argparse

from api.authz.markdown import table


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m api.authz", description=__doc__)
    parser.add_argument("--markdown", action="store_true", help="print the README table")
    args = parser.parse_args()
    if not args.markdown:
        parser.error("nothing to do: pass --markdown")
    print(table())


if __name__ == "__main__":
    main()
