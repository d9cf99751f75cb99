"""Build hook for the optional C helpers; everything else is in pyproject.toml.

`canhgiac.text._fast` (pre-checks and one-pass scans of normalisation and indicator extraction)
and `canhgiac.detect._fast` (the text model's features and arithmetic, the rules' keyword pass)
speed up the scanner. Both are optional: when no C compiler is available the build goes on
without them and the package uses its pure-Python twins, which give the same results (tests
compare the two). `-ffp-contract=off`: the model's arithmetic must round exactly as numpy's and
scipy's separate multiplications and additions do (no fused multiply-add).
"""

from setuptools import Extension, setup

FLAGS = ["-O2", "-ffp-contract=off"]

setup(
    ext_modules=[
        Extension(
            "canhgiac.text._fast",
            ["src/canhgiac/text/_fast.c"],
            optional=True,
            extra_compile_args=FLAGS,
        ),
        Extension(
            "canhgiac.detect._fast",
            ["src/canhgiac/detect/_fast.c"],
            optional=True,
            extra_compile_args=FLAGS,
        ),
    ]
)
