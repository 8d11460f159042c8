#!/bin/sh
# Record real kmem traces on this machine (needs root), as the fixtures
# tests/fixtures/trace/{ftrace-gcc,ftrace-find-usr,ftrace-import,perf-script-import}.txt.gz
# were recorded (Linux 6.18, 2 CPUs, perf 6.1):
#
#   sudo sh benchmarks/record_kmem_traces.sh OUTDIR
#
# ftrace: a tracefs instance of its own (instances/kmemwidgets), so the global buffer
# and whatever else uses tracing stay untouched; one recording per workload:
#   gcc     compile and run six small C programs with gcc -O2;
#   find    find /usr/share/doc -type f | head -3000 | xargs cat;
#   import  a Python "import storm" (json, email, http.client, xml, sqlite3, asyncio,
#           decimal, unittest, argparse, logging, csv, numpy);
#   mixed   all of them in a row after dropping the page cache (about 680k events,
#           113 MB: the recording the benchmark figures in docs/real-kernel.md use).
# perf: `perf record -e kmem:... -a` of the import workload, its `perf script` text and
# perf's own `perf kmem --slab --page stat` / `--caller stat` (the golden output).
# The fixtures are cut to well under 1 MB gzipped: ftrace-gcc is the first 60,000
# lines of the gcc recording, ftrace-find-usr lines 40,000-100,000 of the find one.
set -eu
OUT=${1:-/tmp/kmem-recordings}
T=/sys/kernel/tracing
mkdir -p "$OUT"
[ -d $T/events ] || mount -t tracefs nodev $T
I=$T/instances/kmemwidgets
mkdir -p $I
EVENTS="kmalloc kfree kmem_cache_alloc kmem_cache_free mm_page_alloc mm_page_free"
for e in $EVENTS; do echo 1 > $I/events/kmem/$e/enable; done
echo 131072 > $I/buffer_size_kb          # per CPU: no overrun for ~700k events

workload() {
  case "$1" in
    gcc) mkdir -p "$OUT/cc" && cd "$OUT/cc" && for i in 1 2 3 4 5 6; do
           printf '#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\nint f%s(int n){char*b=malloc(n);memset(b,1,n);int s=0;for(int i=0;i<n;i++)s+=b[i];free(b);return s;}\nint main(){printf("%%d\\n",f%s(100));return 0;}\n' $i $i > t$i.c
           gcc -O2 -o t$i t$i.c && ./t$i > /dev/null; done; cd - > /dev/null ;;
    find) find /usr/share/doc -type f -name '*.gz' -prune -o -type f -print 2>/dev/null \
            | head -3000 | xargs cat > /dev/null 2>&1 || true ;;
    import) python3 -c "import json, email, http.client, xml.dom.minidom, sqlite3, asyncio, decimal, unittest, argparse, logging, csv, numpy" ;;
    mixed) echo 3 > /proc/sys/vm/drop_caches
           workload gcc; workload import; workload find
           find /usr/lib/python3 -name '*.py' 2>/dev/null | head -6000 | xargs cat > /dev/null
           workload gcc; workload import ;;
  esac
}

for w in gcc find import mixed; do
  echo > $I/trace
  echo 1 > $I/tracing_on
  workload $w
  echo 0 > $I/tracing_on
  cat $I/trace > "$OUT/ftrace-$w.txt"
  grep overrun $I/per_cpu/cpu*/stats          # must all be 0
done
for e in $EVENTS; do echo 0 > $I/events/kmem/$e/enable; done
rmdir $I

P=$(for e in $EVENTS; do printf 'kmem:%s,' $e; done)
perf record -e "${P%,}" -a -o "$OUT/perf-import.data" -- sh -c "$(command -v python3) -c 'import json, email, http.client, xml.dom.minidom, sqlite3, asyncio, decimal, unittest, argparse, logging, csv, numpy'"
perf script -i "$OUT/perf-import.data" > "$OUT/perf-script-import.txt"
# perf 6.1 takes kmem's options before the subcommand
perf kmem -i "$OUT/perf-import.data" --slab --page stat > "$OUT/perf-script-import.perf-kmem-stat.txt"
perf kmem -i "$OUT/perf-import.data" --caller --slab stat | gzip -9 > "$OUT/perf-script-import.perf-kmem-caller.txt.gz"
