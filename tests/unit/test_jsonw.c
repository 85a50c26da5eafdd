/* The streaming writer writes the bytes jansson's json_dumpf(JSON_INDENT(2)) writes for the same document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <cmocka.h>
#include <jansson.h>

#include "jsonw.h"

static char *jansson_text(json_t *doc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(json_dumpf(doc, f, JSON_INDENT(2)), 0);
	fclose(f);
	json_decref(doc);
	return buf;
}

struct capture {
	char *buf;
	size_t len;
	FILE *f;
	struct jsonw w;
};

static struct jsonw *cap_open(struct capture *c)
{
	c->buf = NULL;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	jw_init(&c->w, c->f);
	return &c->w;
}

static char *cap_close(struct capture *c)
{
	fclose(c->f);
	return c->buf;
}

static void same(json_t *doc, char *ours)
{
	char *theirs = jansson_text(doc);

	assert_string_equal(ours, theirs);
	free(theirs);
	free(ours);
}

/* Every byte below 0x20, the two mandatory escapes, '/', DEL, and UTF-8 of each length. */
static const char *const strings[] = {
	"", "plain", "a\"b", "back\\slash", "/etc/default/grub.d", "\x7f", "caf\xc3\xa9", "\xe2\x82\xac 5",
	"\xf0\x9f\x98\x80", "tab\there\nnewline\r\b\f",
	"\x01\x02\x03\x04\x05\x06\x07\x0b\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f",
	"GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT isolcpus=2-3\"\n",
};

static void test_scalars_and_strings(void **state)
{
	struct capture c;
	struct jsonw *w = cap_open(&c);
	json_t *doc = json_object(), *arr = json_array();

	(void)state;
	jw_obj(w);
	jw_key(w, "strings");
	jw_arr(w);
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		jw_str(w, strings[i]);
		json_array_append_new(arr, json_string(strings[i]));
	}
	jw_end(w);
	json_object_set_new(doc, "strings", arr);
	jw_key(w, "null");
	jw_str(w, NULL);
	json_object_set_new(doc, "null", json_null());
	jw_key(w, "t");
	jw_bool(w, true);
	json_object_set_new(doc, "t", json_true());
	jw_key(w, "f");
	jw_bool(w, false);
	json_object_set_new(doc, "f", json_false());
	jw_key(w, "ints");
	jw_arr(w);
	arr = json_array();
	for (long long v = LLONG_MIN; ; v = v / 3 + 1) {
		jw_int(w, v);
		json_array_append_new(arr, json_integer(v));
		if (v > 0)
			break;
	}
	jw_int(w, LLONG_MAX);
	json_array_append_new(arr, json_integer(LLONG_MAX));
	jw_end(w);
	json_object_set_new(doc, "ints", arr);
	/* A key that needs escapes. */
	jw_key(w, "k\"e\\y\n");
	jw_int(w, 0);
	json_object_set_new(doc, "k\"e\\y\n", json_integer(0));
	jw_end(w);
	same(doc, cap_close(&c));
}

/* Empty and nested containers, at the top and inside each other. */
static void test_nesting(void **state)
{
	struct capture c;
	struct jsonw *w;
	json_t *doc;

	(void)state;
	w = cap_open(&c);
	jw_arr(w);
	jw_end(w);
	same(json_array(), cap_close(&c));

	w = cap_open(&c);
	jw_obj(w);
	jw_end(w);
	same(json_object(), cap_close(&c));

	w = cap_open(&c);
	jw_arr(w);
	jw_arr(w);
	jw_end(w);
	jw_obj(w);
	jw_end(w);
	jw_obj(w);
	jw_key(w, "a");
	jw_arr(w);
	jw_obj(w);
	jw_key(w, "deep");
	jw_arr(w);
	jw_arr(w);
	jw_str(w, "x");
	jw_end(w);
	jw_end(w);
	jw_end(w);
	jw_end(w);
	jw_key(w, "b");
	jw_obj(w);
	jw_end(w);
	jw_end(w);
	jw_end(w);
	doc = json_pack("[[], {}, {s:[{s:[[s]]}], s:{}}]", "a", "deep", "x", "b");
	assert_non_null(doc);
	same(doc, cap_close(&c));
}

/* jansson refuses what is not UTF-8; the writer keeps the document whole and says U+FFFD instead. */
static void test_not_utf8(void **state)
{
	static const char *const bad[] = {
		"\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3", "ok\xe2\x82",
	};
	struct capture c;
	struct jsonw *w;
	char *out;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j;

		assert_null(json_string(bad[i]));
		w = cap_open(&c);
		jw_str(w, bad[i]);
		out = cap_close(&c);
		/* What it says loads back, and every bad byte became one U+FFFD. */
		j = json_loads(out, JSON_DECODE_ANY, NULL);
		assert_non_null(j);
		assert_non_null(strstr(json_string_value(j), "\xef\xbf\xbd"));
		json_decref(j);
		free(out);
	}
	w = cap_open(&c);
	jw_str(w, "a\xff" "b");
	out = cap_close(&c);
	assert_string_equal(out, "\"a\xef\xbf\xbd" "b\"");
	free(out);
}

/*
 * The writer gathers bytes before the stream gets them: strings longer than its buffer, a document many
 * buffers long, and the caller's own write after a top-level value, which must land after all of it.
 */
static void test_long_and_after(void **state)
{
	struct capture c;
	struct jsonw *w = cap_open(&c);
	json_t *doc = json_array();
	char *big = malloc(3 * JSONW_BUF + 7), *ours, *theirs;

	(void)state;
	for (size_t i = 0; i < 3 * JSONW_BUF + 6; i++)
		big[i] = i % 97 ? 'a' + (char)(i % 23) : '"';
	big[3 * JSONW_BUF + 6] = '\0';
	jw_arr(w);
	for (int i = 0; i < 2000; i++) {
		const char *s = i % 500 == 7 ? big : strings[i % (sizeof(strings) / sizeof(strings[0]))];

		jw_str(w, s);
		json_array_append_new(doc, json_string(s));
	}
	jw_end(w);
	fputs("|after|", c.f);
	jw_int(w, 42);
	fputc('\n', c.f);
	ours = cap_close(&c);
	theirs = jansson_text(doc);
	assert_true(strlen(ours) > 4 * JSONW_BUF);
	assert_memory_equal(ours, theirs, strlen(theirs));
	assert_string_equal(ours + strlen(theirs), "|after|42\n");
	free(theirs);
	free(ours);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars_and_strings),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_long_and_after),
		cmocka_unit_test(test_not_utf8),
	};

	return cmocka_run_group_tests_name("jsonw", tests, NULL, NULL);
}
