# Integration tests: real MariaDB servers in temporary directories.
list(APPEND TIDEMARK_INTEGRATION_TESTS
)
