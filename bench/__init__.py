"""`make bench`: seed a community of a chosen scale into its own PostgreSQL database, measure each
performance figure of issue 8 against a baseline taken in the same run, print a table and write
bench/results/latest.json. See bench/README.md."""
