"""Build of the optional C extension; everything else is declared in pyproject.toml.

`pacelc.analysis.fta._native` holds inner loops of the fault-tree engine in C (see the file's
header and docs/fta.md). It is optional: where no C compiler is found, the build goes on without
it and pacelc runs its Python and numpy paths, which give the same results, slower.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "pacelc.analysis.fta._native",
            ["src/pacelc/analysis/fta/_native.c"],
            optional=True,
            # No a * b + c fused into one rounding: the results must be the Python paths' to the bit.
            extra_compile_args=["-O2", "-ffp-contract=off"],
        )
    ]
)
