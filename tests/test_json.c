// SPDX-License-Identifier: GPL-2.0
/* JSON writer: escaping of every byte class, UTF-8 validation, nesting,
 * numbers; the output is compared byte for byte and parsed by python3. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "agent_util.h"
#include "test.h"

/* Output of json_escape(s, n), malloc'd. */
static char *esc(const char *s, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	json_escape(f, s, n);
	fclose(f);
	return buf;
}

#define ESC_EQ(in, expected)                                                   \
	({                                                                     \
		char *___o = esc(in, sizeof(in) - 1);                          \
		bool ___r = ASSERT_STREQ(___o, expected, "escape " #in);       \
		free(___o);                                                    \
		___r;                                                          \
	})

TEST(json_escape_classes)
{
	ESC_EQ("plain text /x", "\"plain text /x\"");
	ESC_EQ("a\"b", "\"a\\\"b\"");
	ESC_EQ("a\\b", "\"a\\\\b\"");
	ESC_EQ("\n\t\r\b\f", "\"\\n\\t\\r\\b\\f\"");
	ESC_EQ("\x01\x1b\x1f", "\"\\u0001\\u001b\\u001f\"");
	ESC_EQ("\x7f", "\"\\u007f\"");
	ESC_EQ(" ~", "\" ~\"");
	ESC_EQ("", "\"\"");
}

TEST(json_escape_utf8_valid)
{
	ESC_EQ("\xc3\xa9", "\"\xc3\xa9\"");		    /* é */
	ESC_EQ("\xe2\x82\xac", "\"\xe2\x82\xac\"");	    /* € */
	ESC_EQ("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""); /* emoji */
	ESC_EQ("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF */
	ESC_EQ("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");	    /* U+D7FF */
	ESC_EQ("\xc2\x80", "\"\xc2\x80\""); /* U+0080, smallest 2-byte */
}

TEST(json_escape_utf8_invalid)
{
	ESC_EQ("\x80", "\"\\ufffd\""); /* lone continuation */
	ESC_EQ("\xff", "\"\\ufffd\"");
	ESC_EQ("\xfe", "\"\\ufffd\"");
	ESC_EQ("\xc0\xaf", "\"\\ufffd\\ufffd\""); /* overlong '/' */
	ESC_EQ("\xc1\xbf", "\"\\ufffd\\ufffd\"");
	ESC_EQ("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\""); /* overlong */
	ESC_EQ("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	ESC_EQ("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""); /* surrogate */
	ESC_EQ("\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"");
	ESC_EQ("\xf4\x90\x80\x80", /* U+110000 */
	       "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	ESC_EQ("\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	ESC_EQ("\xe2\x82", "\"\\ufffd\\ufffd\""); /* truncated at end */
	ESC_EQ("\xe2\x82"
	       "A",
	       "\"\\ufffd\\ufffdA\""); /* truncated */
	ESC_EQ("\xf0\x9f\x98", "\"\\ufffd\\ufffd\\ufffd\"");
	ESC_EQ("a\xc3"
	       "b\xc3\xa9",
	       "\"a\\ufffdb\xc3\xa9\"");
}

/* A writer on an in-memory buffer: jw_open() starts it, jw_close() ends
 * the last line and closes it, leaving the text in b->buf (b->len bytes;
 * the caller frees it). */
struct jw_buf {
	char *buf;
	size_t len;
	FILE *f;
};

static struct json_writer *jw_open(struct jw_buf *b)
{
	struct json_writer *jw;

	b->buf = NULL;
	b->len = 0;
	b->f = open_memstream(&b->buf, &b->len);
	if (!b->f)
		return NULL;
	jw = jw_new(b->f);
	if (!jw) {
		fclose(b->f);
		free(b->buf);
		b->buf = NULL;
	}
	return jw;
}

static void jw_close(struct json_writer *jw, struct jw_buf *b)
{
	jw_newline(jw);
	jw_destroy(jw);
	fclose(b->f);
}

TEST(json_string_len_nul)
{
	struct jw_buf b;
	struct json_writer *jw = jw_open(&b);

	if (!ASSERT_TRUE(jw, "jw_new"))
		return;
	jw_start_array(jw);
	jw_string_len(jw, "a\0b", 3);
	jw_string_len(jw, "xyz", 2);
	jw_string_len(jw, "\0", 1);
	jw_string(jw, NULL);
	jw_end_array(jw);
	jw_close(jw, &b);
	ASSERT_STREQ(b.buf, "[\"a\\u0000b\",\"xy\",\"\\u0000\",null]\n", "nul");
	ASSERT_EQ(py_check(b.buf, "o==['a\\x00b','xy','\\x00',None]"), 0,
		  "python parse");
	free(b.buf);
}

TEST(json_nesting_commas)
{
	struct jw_buf b;
	struct json_writer *jw = jw_open(&b);

	if (!ASSERT_TRUE(jw, "jw_new"))
		return;
	jw_start_object(jw);
	jw_kv_string(jw, "a", "x");
	jw_name(jw, "arr");
	jw_start_array(jw);
	jw_int(jw, 1);
	jw_start_object(jw);
	jw_end_object(jw);
	jw_start_array(jw);
	jw_end_array(jw);
	jw_start_object(jw);
	jw_kv_bool(jw, "t", true);
	jw_kv_bool(jw, "f", false);
	jw_name(jw, "n");
	jw_null(jw);
	jw_end_object(jw);
	jw_end_array(jw);
	jw_name(jw, "o");
	jw_start_object(jw);
	jw_name(jw, "deep");
	jw_start_object(jw);
	jw_kv_int(jw, "x", 2);
	jw_end_object(jw);
	jw_end_object(jw);
	jw_end_object(jw);
	jw_newline(jw);
	/* a second object: no leading comma, its own line */
	jw_start_object(jw);
	jw_kv_string(jw, "k\n\"", "v");
	jw_end_object(jw);
	jw_close(jw, &b);
	ASSERT_STREQ(b.buf,
		     "{\"a\":\"x\",\"arr\":[1,{},[],{\"t\":true,\"f\":false,"
		     "\"n\":null}],\"o\":{\"deep\":{\"x\":2}}}\n"
		     "{\"k\\n\\\"\":\"v\"}\n",
		     "nested");
	ASSERT_EQ(py_check(b.buf, "o=={'k\\n\"':'v'}"), 0, "python parse");
	free(b.buf);
}

TEST(json_numbers)
{
	struct jw_buf b;
	struct json_writer *jw = jw_open(&b);

	if (!ASSERT_TRUE(jw, "jw_new"))
		return;
	jw_start_array(jw);
	jw_int(jw, 0);
	jw_int(jw, -1);
	jw_int(jw, LLONG_MIN);
	jw_int(jw, LLONG_MAX);
	jw_uint(jw, ULLONG_MAX);
	jw_double(jw, 0.1);
	jw_double(jw, 1.0);
	jw_double(jw, -2.5);
	jw_double(jw, 1e300);
	jw_double(jw, 1.0 / 3.0);
	jw_double(jw, NAN);
	jw_double(jw, INFINITY);
	jw_double(jw, -INFINITY);
	jw_end_array(jw);
	jw_close(jw, &b);
	ASSERT_STREQ(b.buf,
		     "[0,-1,-9223372036854775808,9223372036854775807,"
		     "18446744073709551615,0.1,1,-2.5,1e+300,"
		     "0.3333333333333333,null,null,null]\n",
		     "numbers");
	ASSERT_EQ(py_check(b.buf, "o[4]==2**64-1 and o[2]==-2**63 and "
				  "o[5]==0.1 and o[8]==1e300 and o[9]==1/3 and "
				  "o[10] is None"),
		  0, "python parse");
	free(b.buf);
}

/* Every byte value 1..255 in a key and in a value: valid JSON, and the
 * valid parts read back intact. */
TEST(json_all_bytes_parse)
{
	struct jw_buf b;
	struct json_writer *jw = jw_open(&b);
	char all[256];
	int i;

	if (!ASSERT_TRUE(jw, "jw_new"))
		return;
	for (i = 1; i < 256; i++)
		all[i - 1] = i;
	all[255] = '\0';
	jw_start_object(jw);
	jw_kv_string(jw, all, all);
	jw_kv_string(jw, "mixed", "caf\xc3\xa9\x1b[31m\xff\"\\end");
	jw_end_object(jw);
	jw_close(jw, &b);
	ASSERT_EQ(py_check(b.buf,
			   "o['mixed']=='caf\\u00e9\\x1b[31m\\ufffd\"\\\\end' "
			   "and list(o)[0].startswith(''.join(chr(i) for i in "
			   "range(1,128)))"
			   " and "
			   "list(o.values())[0].count('\\ufffd')==128"),
		  0, "python parse");
	/* no raw control byte made it through (python checked the UTF-8) */
	for (i = 0; i < (int)b.len; i++) {
		unsigned char c = b.buf[i];

		if ((c < 0x20 && c != '\n') || c == 0x7f) {
			ASSERT_TRUE(false, "raw control byte in output");
			break;
		}
	}
	free(b.buf);
}

TEST(json_pretty)
{
	struct jw_buf b;
	struct json_writer *jw = jw_open(&b);

	if (!ASSERT_TRUE(jw, "jw_new"))
		return;
	jw_set_pretty(jw, true);
	jw_start_object(jw);
	jw_kv_int(jw, "a", 1);
	jw_name(jw, "b");
	jw_start_array(jw);
	jw_string(jw, "x");
	jw_end_array(jw);
	jw_name(jw, "c");
	jw_start_object(jw);
	jw_end_object(jw);
	jw_end_object(jw);
	jw_close(jw, &b);
	ASSERT_STREQ(b.buf,
		     "{\n  \"a\": 1,\n  \"b\": [\n    \"x\"\n  ],\n"
		     "  \"c\": {}\n}\n",
		     "pretty");
	free(b.buf);
}
