"""Memory allocator for the PyTorch references: re-executes a script once with tcmalloc (or glibc's
huge pages) in its environment, before torch is imported. Imports nothing heavy, so that a script
can call `use_allocator` first and import torch afterwards, once.

PyTorch allocates every activation afresh, and glibc's malloc hands large blocks back to the kernel
on free, so each step page-faults its activations in again; on the 2-core VMs used here that makes
plain PyTorch 3-5x slower than its compute allows. tcmalloc (Debian `libtcmalloc-minimal4`) keeps
freed memory. The allocator changes no number computed, only the speed.
"""

import os
import sys

TCMALLOC = "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4"  # Debian libtcmalloc-minimal4
ALLOCATORS = ("tcmalloc", "hugetlb", "system")


def use_allocator(allocator, script):
    """Re-execute `script` (with this process's arguments) once with the allocator's environment,
    if it is not set yet; returns when it is (or for `system`)."""
    env = dict(os.environ)
    if allocator == "tcmalloc":
        if not os.path.exists(TCMALLOC):
            sys.exit(f"{TCMALLOC} is missing: apt-get install libtcmalloc-minimal4, "
                     "or pass --allocator hugetlb or system")
        preload = env.get("LD_PRELOAD", "")
        if TCMALLOC in preload.split():
            return
        env["LD_PRELOAD"] = f"{TCMALLOC} {preload}".strip()
    elif allocator == "hugetlb":
        tunables = env.get("GLIBC_TUNABLES", "")
        if "glibc.malloc.hugetlb=1" in tunables.split(":"):
            return
        env["GLIBC_TUNABLES"] = ":".join(t for t in (tunables, "glibc.malloc.hugetlb=1") if t)
    else:
        return
    os.execve(sys.executable, [sys.executable, os.path.abspath(script)] + sys.argv[1:], env)
