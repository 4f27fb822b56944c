"""`make fuzz`: python -m fuzz [--messages N] [--seed S]; exits 1 when any promise was broken."""

import argparse
import logging
import sys

from fuzz.run import run


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000, help="how many bodies to post (default 10000)")
    parser.add_argument("--seed", type=int, default=13, help="replay a run with its seed (default 13)")
    parser.add_argument("--max-notifications", type=int, default=10, help="notifications per message, at most")
    args = parser.parse_args()
    # One line per invocation is noise over ten thousand of them; problems are listed at the end.
    logging.getLogger("localrun").setLevel(logging.WARNING)
    report = run(args.messages, seed=args.seed, max_notifications=args.max_notifications)
    for problem in report.problems[:50]:
        print(problem)
    print(report.summary())
    print("cases by mutation:", dict(sorted(report.mutations.items())))
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
