library(testthat)
library(socgan)

test_check("socgan")
