//! Benchmarks and the load generator for `lab`; see benches/ and src/bin/load.rs.
