#!/bin/sh
# Writes the static page of the nginx workload to stdout: about 118 KB of
# HTML, like the test.html of pts/nginx (deterministic, no network).
awk 'BEGIN {
	print "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>rtguard bench</title></head><body>"
	srand(42)
	n = 0
	while (n < 120700) {
		line = sprintf("<p id=\"p%d\">", n)
		for (w = 0; w < 12; w++)
			line = line sprintf("word%05d ", int(rand() * 100000))
		line = line "</p>"
		print line
		n += length(line) + 1
	}
	print "</body></html>"
}'
