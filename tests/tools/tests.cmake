# Unit tests of tools/.
list(APPEND TIDEMARK_UNIT_TESTS
)
