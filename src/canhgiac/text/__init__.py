"""Pure text work: normalisation of Vietnamese messages and extraction of indicators.

Import from the modules: `canhgiac.text.normalize` and `canhgiac.text.indicators`. Nothing is
re-exported here, because the function `normalize` would shadow the module of the same name.
"""
