#!/usr/bin/env python3
"""The layer rule as a build step: no file in models/ or widgets/ may include, directly
or through the headers it includes, an I/O header: libpqxx, libpq or hiredis, or a
header of the core_io library (core/redis, core/pg, the services in core/services).

  check_layers.py --root SRC --io-sources FILE [--allow FILE] DIR...

--io-sources lists core_io's sources, one path a line (written by CMake from the
target, so a file moved between core_types and core_io moves the rule with it).
--allow lists files (relative to SRC) that may still break the rule while they wait
for their move (a listed file that is clean now is reported, to be taken off).
Exit status 1 with one line per violation, naming the include chain."""
import argparse
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
# External I/O headers: named by how they are included.
IO_EXTERNAL = re.compile(r'^(pqxx/|hiredis/|libpq-fe\.h$|libpq/|hiredis\.h$)')


def includes(path, cache):
    if path not in cache:
        try:
            with open(path, encoding='utf-8', errors='replace') as f:
                cache[path] = INCLUDE.findall(f.read())
        except OSError:
            cache[path] = []
    return cache[path]


def first_violation(start, root, io_sources, cache):
    """The include chain from start to an I/O header, or None (breadth first)."""
    seen = {start}
    queue = [(start, [os.path.relpath(start, root)])]
    while queue:
        path, chain = queue.pop(0)
        for kind, name in includes(path, cache):
            if IO_EXTERNAL.match(name):
                return chain + ['<%s>' % name]
            if kind != '"':
                continue
            for base in (root, os.path.dirname(path)):
                candidate = os.path.normpath(os.path.join(base, name))
                if os.path.isfile(candidate):
                    break
            else:
                continue
            rel = os.path.relpath(candidate, root)
            if candidate in io_sources:
                return chain + [rel + ' (core_io)']
            if candidate not in seen:
                seen.add(candidate)
                queue.append((candidate, chain + [rel]))
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--root', required=True)
    parser.add_argument('--io-sources', required=True)
    parser.add_argument('--allow')
    parser.add_argument('--stamp')
    parser.add_argument('dirs', nargs='+')
    args = parser.parse_args()
    root = os.path.abspath(args.root)
    with open(args.io_sources, encoding='utf-8') as f:
        io_sources = {os.path.normpath(os.path.join(root, line.strip()))
                      for line in f.read().replace(';', '\n').splitlines() if line.strip()}
    allowed = set()
    if args.allow:
        with open(args.allow, encoding='utf-8') as f:
            allowed = {line.split('#')[0].strip() for line in f} - {''}
    cache = {}
    problems = []
    broken = set()
    for d in args.dirs:
        for dirpath, _, files in os.walk(os.path.join(root, d)):
            for name in sorted(files):
                if not name.endswith(('.h', '.cpp')):
                    continue
                path = os.path.join(dirpath, name)
                chain = first_violation(path, root, io_sources, cache)
                rel = os.path.relpath(path, root)
                if chain is None:
                    continue
                broken.add(rel)
                if rel not in allowed:
                    problems.append(' -> '.join(chain))
    for rel in sorted(allowed - broken):
        print('layer rule: note: %s is clean now: take it off %s'
              % (rel, os.path.relpath(args.allow, root)), file=sys.stderr)
    for p in problems:
        print('layer rule: ' + p, file=sys.stderr)
    if problems:
        print('layer rule: models/ and widgets/ may use core_types only (contract, types, util); '
              'I/O belongs in core/services, wired in app/*Feature (docs/architecture.md)',
              file=sys.stderr)
        return 1
    if args.stamp:
        with open(args.stamp, 'w', encoding='utf-8') as f:
            f.write('ok\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
