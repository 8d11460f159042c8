"""``python -m kmemwidgets.course build DIR [--lectures 09 10] [--seed-per-student]`` or ``check``.

``build`` writes an nbgrader course folder from the lectures (then, in DIR:
``nbgrader generate_assignment 10_practice``); ``check`` validates the lectures'
exercise metadata and exits 1 naming every cell that departs from the convention.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .build import NOTEBOOKS, build_course, select
from .convention import ConventionError, validate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kmemwidgets.course",
                                     description="Build an nbgrader course from the kmemwidgets lectures.")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="write an nbgrader course folder")
    build.add_argument("directory", type=Path)
    build.add_argument("--seed-per-student", action="store_true",
                       help="leave the STUDENT_ID cell editable: each student's number seeds their problems")
    build.add_argument("--course-id", default="kmemwidgets")
    check = sub.add_parser("check", help="validate the lectures' exercise metadata")
    for p in (build, check):
        p.add_argument("--lectures", nargs="+", metavar="NN",
                       help="lecture numbers (default: every lecture with nbgrader exercises)")
        p.add_argument("--notebooks", type=Path, default=NOTEBOOKS, help=f"lecture folder (default {NOTEBOOKS})")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            written = build_course(args.directory, args.lectures, notebooks=args.notebooks,
                                   seed_per_student=args.seed_per_student, course_id=args.course_id)
            for path in written:
                print(f"wrote {path}")
            names = " ".join(p.parent.name for p in written)
            print(f"next: cd {args.directory} && for a in {names}; do nbgrader generate_assignment $a; done")
            return 0
        for path in select(args.lectures, args.notebooks):
            validate(path)
            print(f"{path.name}: follows the exercise convention")
        return 0
    except ConventionError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
