/* SPDX-License-Identifier: MIT */
/* Unit tests of the network policy: CIDR ranges, allow-lists and the client address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "server/errors.h"
#include "server/netpolicy.h"

static struct netpolicy_list
parse_list(const char *text)
{
	struct netpolicy_list list;
	struct srv_status st;

	memset(&st, 0, sizeof(st));
	if (netpolicy_list_parse(text, &list, &st) != SRV_OK)
		fail_msg("list \"%s\" was rejected: %s", text, st.message);
	return list;
}

/* Check that text is rejected as a range with a message containing reason. */
static void
range_reject(const char *text, const char *reason)
{
	struct netpolicy_range r;
	struct netpolicy_range before;
	struct srv_status st;

	memset(&r, 0x5a, sizeof(r));
	before = r;
	memset(&st, 0, sizeof(st));
	if (netpolicy_range_parse(text, &r, &st) != SRV_ERR_INVALID_PARAMETER)
		fail_msg("range \"%s\" was accepted", text);
	if (strstr(st.message, reason) == NULL)
		fail_msg("range \"%s\": message \"%s\" lacks \"%s\"", text, st.message, reason);
	assert_memory_equal(&r, &before, sizeof(r)); /* output untouched on failure */
}

static void
range_expect(const char *text, int family, const char *base, unsigned prefix_len)
{
	struct netpolicy_range r;
	struct netpolicy_addr want;
	struct srv_status st;

	memset(&st, 0, sizeof(st));
	if (netpolicy_range_parse(text, &r, &st) != SRV_OK)
		fail_msg("range \"%s\" was rejected: %s", text, st.message);
	assert_int_equal(netpolicy_addr_parse(base, &want), 0);
	if (r.base.family != family || r.prefix_len != prefix_len ||
	    memcmp(r.base.bytes, want.bytes, sizeof(want.bytes)) != 0)
		fail_msg("range \"%s\": got family %d /%u, expected %s/%u", text, r.base.family,
		    r.prefix_len, base, prefix_len);
}

/* Run netpolicy_client_addr and expect the address want. */
static void
client_expect(const char *socket_addr, const char *xff, const struct netpolicy_list *trusted,
    const char *want)
{
	char out[NETPOLICY_ADDR_MAX];

	if (netpolicy_client_addr(socket_addr, xff, trusted, out, sizeof(out)) != 0)
		fail_msg("socket %s, X-Forwarded-For \"%s\": failed, expected %s", socket_addr,
		    xff != NULL ? xff : "(none)", want);
	if (strcmp(out, want) != 0)
		fail_msg("socket %s, X-Forwarded-For \"%s\": got %s, expected %s", socket_addr,
		    xff != NULL ? xff : "(none)", out, want);
}

static void
client_fails(const char *socket_addr, const char *xff, const struct netpolicy_list *trusted)
{
	char out[NETPOLICY_ADDR_MAX] = "untouched";

	if (netpolicy_client_addr(socket_addr, xff, trusted, out, sizeof(out)) != -1)
		fail_msg("socket %s, X-Forwarded-For \"%s\": got %s, expected a failure",
		    socket_addr != NULL ? socket_addr : "(none)", xff != NULL ? xff : "(none)", out);
	assert_string_equal(out, "untouched");
}

static void
addr_parse_families(void **state)
{
	struct netpolicy_addr a;
	static const uint8_t v4[4] = { 192, 0, 2, 1 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

	(void)state;
	assert_int_equal(netpolicy_addr_parse("192.0.2.1", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.bytes, v4, 4);

	assert_int_equal(netpolicy_addr_parse("2001:DB8::1", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_memory_equal(a.bytes, v6, 16);

	/* IPv4-mapped becomes IPv4, in either spelling. */
	assert_int_equal(netpolicy_addr_parse("::ffff:192.0.2.1", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.bytes, v4, 4);
	assert_int_equal(netpolicy_addr_parse("::ffff:c000:201", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_memory_equal(a.bytes, v4, 4);

	/* IPv4-compatible (::192.0.2.1) and NAT64 addresses stay IPv6. */
	assert_int_equal(netpolicy_addr_parse("::192.0.2.1", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(netpolicy_addr_parse("64:ff9b::192.0.2.1", &a), 0);
	assert_int_equal(a.family, AF_INET6);
}

static void
addr_parse_rejects_garbage(void **state)
{
	static const char *const bad[] = {
		"", " ", "192.0.2", "192.0.2.256", "192.0.2.1.5", "01.2.3.4", "192.0.2.1 ",
		" 192.0.2.1", "fe80::1%eth0", "[::1]", "::1::2", "2001:db8::g", "localhost",
		"192.0.2.1/32", "0x7f.0.0.1", "1:2:3:4:5:6:7:8:9",
	};
	struct netpolicy_addr a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (netpolicy_addr_parse(bad[i], &a) != -1)
			fail_msg("address \"%s\" was accepted", bad[i]);
	}
}

static void
range_parse_forms(void **state)
{
	(void)state;
	range_expect("10.0.0.0/8", AF_INET, "10.0.0.0", 8);
	range_expect("192.168.1.0/24", AF_INET, "192.168.1.0", 24);
	range_expect("2001:db8::/32", AF_INET6, "2001:db8::", 32);
	/* A single address is a /32 or a /128. */
	range_expect("192.0.2.1", AF_INET, "192.0.2.1", 32);
	range_expect("2001:db8::1", AF_INET6, "2001:db8::1", 128);
	/* The boundaries. */
	range_expect("0.0.0.0/0", AF_INET, "0.0.0.0", 0);
	range_expect("192.0.2.1/32", AF_INET, "192.0.2.1", 32);
	range_expect("::/0", AF_INET6, "::", 0);
	range_expect("2001:db8::1/128", AF_INET6, "2001:db8::1", 128);
	range_expect("192.0.2.128/25", AF_INET, "192.0.2.128", 25);
	range_expect("128.0.0.0/1", AF_INET, "128.0.0.0", 1);
	range_expect("2001:db8::8000/113", AF_INET6, "2001:db8::8000", 113);
}

static void
range_parse_mapped(void **state)
{
	(void)state;
	/* A mapped range of /96 or longer is the IPv4 range. */
	range_expect("::ffff:10.0.0.0/104", AF_INET, "10.0.0.0", 8);
	range_expect("::ffff:0.0.0.0/96", AF_INET, "0.0.0.0", 0);
	range_expect("::ffff:192.0.2.1", AF_INET, "192.0.2.1", 32);
	range_expect("::ffff:192.0.2.1/128", AF_INET, "192.0.2.1", 32);
	/* A wider one is the IPv6 range it spells. */
	range_expect("::/80", AF_INET6, "::", 80);
	range_reject("::ffff:0.0.0.0/80", "bits set after its /80 prefix");
	range_reject("::ffff:10.0.0.0/129", "use 0 to 128");
}

static void
range_rejects_host_bits(void **state)
{
	(void)state;
	range_reject("10.0.0.1/8", "write 10.0.0.0/8 for the range, or the address alone");
	range_reject("192.0.2.129/24", "write 192.0.2.0/24");
	range_reject("192.0.2.1/31", "write 192.0.2.0/31");
	range_reject("192.0.2.1/0", "write 0.0.0.0/0");
	range_reject("2001:db8::1/32", "write 2001:db8::/32");
	range_reject("2001:db8::1/127", "write 2001:db8::/127");
	range_reject("::1/0", "write ::/0");
	range_reject("::ffff:10.0.0.1/104", "write 10.0.0.0/8");
	/* The message quotes the entry as written. */
	range_reject("10.0.0.1/8", "\"10.0.0.1/8\" has bits set after its /8 prefix");
}

static void
range_rejects_bad_prefix(void **state)
{
	static const char *const bad[] = {
		"10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/08", "10.0.0.0/ 8",
		"10.0.0.0/8a", "10.0.0.0/1000", "10.0.0.0/8/8", "2001:db8::/129", "2001:db8::/0032",
		"10.0.0.0/0x8",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		range_reject(bad[i], "invalid prefix length");
	range_reject("10.0.0.0/33", "use 0 to 32 after the '/'");
	range_reject("2001:db8::/129", "use 0 to 128 after the '/'");
}

static void
range_rejects_garbage(void **state)
{
	char long_entry[200];

	(void)state;
	range_reject("", "\"\" is not an IPv4 or IPv6 address or CIDR range");
	range_reject("bogus", "\"bogus\" is not an IPv4 or IPv6 address or CIDR range");
	range_reject("/8", "\"/8\" is not");
	range_reject("10.0.0/8", "\"10.0.0/8\" is not");
	range_reject("[::1]/128", "is not");
	range_reject("fe80::1%eth0/64", "is not");
	range_reject("*", "is not");
	/* Bytes outside printable ASCII are shown as '?'. */
	range_reject("10.0.0.\x01/8", "\"10.0.0.?/8\" is not");
	range_reject("10.0.0.\xc3\xa9", "\"10.0.0.??\" is not");
	/* A long entry is cut in the message. */
	memset(long_entry, '1', sizeof(long_entry) - 1);
	long_entry[sizeof(long_entry) - 1] = '\0';
	range_reject(long_entry, "111...\" is not");
}

static void
list_parse_separators(void **state)
{
	struct netpolicy_list list;

	(void)state;
	list = parse_list("10.0.0.0/8, 192.168.1.0/24 2001:db8::/32,\t192.0.2.1\n,, 198.51.100.0/24 ");
	assert_int_equal(list.count, 5);
	assert_int_equal(list.ranges[0].prefix_len, 8);
	assert_int_equal(list.ranges[1].prefix_len, 24);
	assert_int_equal(list.ranges[2].base.family, AF_INET6);
	assert_int_equal(list.ranges[3].prefix_len, 32);
	assert_int_equal(list.ranges[4].prefix_len, 24);

	list = parse_list("");
	assert_int_equal(list.count, 0);
	list = parse_list(" ,, \t\r\n ");
	assert_int_equal(list.count, 0);
}

static void
list_parse_limit(void **state)
{
	char text[40 * 20 + 32];
	struct netpolicy_list list;
	struct netpolicy_list before;
	struct srv_status st;
	size_t used = 0;

	(void)state;
	for (int i = 0; i < NETPOLICY_MAX_RANGES; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "10.%d.0.0/16,", i);
	list = parse_list(text);
	assert_int_equal(list.count, NETPOLICY_MAX_RANGES);

	snprintf(text + used, sizeof(text) - used, "192.0.2.1");
	memset(&list, 0x5a, sizeof(list));
	before = list;
	memset(&st, 0, sizeof(st));
	assert_int_equal(netpolicy_list_parse(text, &list, &st), SRV_ERR_INVALID_PARAMETER);
	assert_non_null(strstr(st.message, "more than 40 ranges"));
	assert_memory_equal(&list, &before, sizeof(list));
}

static void
list_parse_names_bad_entry(void **state)
{
	struct netpolicy_list list;
	struct netpolicy_list before;
	struct srv_status st;

	(void)state;
	memset(&list, 0x5a, sizeof(list));
	before = list;
	memset(&st, 0, sizeof(st));
	assert_int_equal(netpolicy_list_parse("10.0.0.0/8, 192.0.2.0/33, bogus", &list, &st),
	    SRV_ERR_INVALID_PARAMETER);
	assert_non_null(strstr(st.message, "\"192.0.2.0/33\""));
	assert_memory_equal(&list, &before, sizeof(list)); /* output untouched on failure */

	assert_int_equal(netpolicy_list_parse("10.0.0.0/8 bogus", &list, &st),
	    SRV_ERR_INVALID_PARAMETER);
	assert_non_null(strstr(st.message, "\"bogus\""));
	/* A semicolon is no separator, so it is part of the entry. */
	assert_int_equal(netpolicy_list_parse("10.0.0.0/8;192.0.2.0/24", &list, &st),
	    SRV_ERR_INVALID_PARAMETER);
	assert_non_null(strstr(st.message, "\"10.0.0.0/8;192.0.2.0/24\""));
}

static void
list_format_round_trip(void **state)
{
	struct netpolicy_list list;
	struct netpolicy_list again;
	char text[256];
	char small[16];

	(void)state;
	list = parse_list("10.0.0.0/8,2001:DB8:0::/32  ::ffff:192.0.2.1 0.0.0.0/0");
	assert_int_equal(netpolicy_list_format(&list, text, sizeof(text)), 0);
	assert_string_equal(text, "10.0.0.0/8, 2001:db8::/32, 192.0.2.1/32, 0.0.0.0/0");
	again = parse_list(text);
	assert_int_equal(again.count, list.count);
	assert_memory_equal(again.ranges, list.ranges, list.count * sizeof(list.ranges[0]));

	assert_int_equal(netpolicy_list_format(&list, small, sizeof(small)), -1);
	assert_int_equal(netpolicy_list_format(&list, small, 0), -1);
	list.count = 0;
	assert_int_equal(netpolicy_list_format(&list, small, sizeof(small)), 0);
	assert_string_equal(small, "");
}

static void
allowed_empty_list(void **state)
{
	struct netpolicy_list list;

	(void)state;
	list = parse_list("");
	assert_true(netpolicy_allowed(&list, "192.0.2.1"));
	assert_true(netpolicy_allowed(&list, "2001:db8::1"));
	assert_true(netpolicy_allowed(&list, "garbage"));
	assert_true(netpolicy_allowed(NULL, "192.0.2.1"));
}

static void
allowed_ipv4_boundaries(void **state)
{
	struct netpolicy_list list;

	(void)state;
	list = parse_list("10.0.0.0/8, 192.0.2.128/25, 198.51.100.7, 203.0.113.0/31");
	assert_true(netpolicy_allowed(&list, "10.0.0.0"));
	assert_true(netpolicy_allowed(&list, "10.255.255.255"));
	assert_false(netpolicy_allowed(&list, "9.255.255.255"));
	assert_false(netpolicy_allowed(&list, "11.0.0.0"));
	assert_true(netpolicy_allowed(&list, "192.0.2.128"));
	assert_true(netpolicy_allowed(&list, "192.0.2.255"));
	assert_false(netpolicy_allowed(&list, "192.0.2.127"));
	assert_true(netpolicy_allowed(&list, "198.51.100.7"));
	assert_false(netpolicy_allowed(&list, "198.51.100.6"));
	assert_false(netpolicy_allowed(&list, "198.51.100.8"));
	assert_true(netpolicy_allowed(&list, "203.0.113.1"));
	assert_false(netpolicy_allowed(&list, "203.0.113.2"));
	/* Garbage and IPv6 are denied by a non-empty IPv4 list. */
	assert_false(netpolicy_allowed(&list, "garbage"));
	assert_false(netpolicy_allowed(&list, ""));
	assert_false(netpolicy_allowed(&list, NULL));
	assert_false(netpolicy_allowed(&list, "::a00:1")); /* IPv4-compatible, not mapped */
	assert_false(netpolicy_allowed(&list, "2001:db8::1"));
}

static void
allowed_ipv6_boundaries(void **state)
{
	struct netpolicy_list list;

	(void)state;
	list = parse_list("2001:db8::/32, 2001:db8:ffff::8000/113, fd00::1");
	assert_true(netpolicy_allowed(&list, "2001:db8::"));
	assert_true(netpolicy_allowed(&list, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
	assert_false(netpolicy_allowed(&list, "2001:db9::"));
	assert_false(netpolicy_allowed(&list, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"));
	assert_true(netpolicy_allowed(&list, "fd00::1"));
	assert_false(netpolicy_allowed(&list, "fd00::2"));
	assert_false(netpolicy_allowed(&list, "fd00::"));
	assert_false(netpolicy_allowed(&list, "192.0.2.1"));

	list = parse_list("2001:db8:ffff::8000/113");
	assert_true(netpolicy_allowed(&list, "2001:db8:ffff::8000"));
	assert_true(netpolicy_allowed(&list, "2001:db8:ffff::ffff"));
	assert_false(netpolicy_allowed(&list, "2001:db8:ffff::7fff"));
}

static void
allowed_zero_prefixes(void **state)
{
	struct netpolicy_list list;

	(void)state;
	/* 0.0.0.0/0 is every IPv4 address and ::/0 every IPv6 one, never the other family. */
	list = parse_list("0.0.0.0/0");
	assert_true(netpolicy_allowed(&list, "0.0.0.0"));
	assert_true(netpolicy_allowed(&list, "255.255.255.255"));
	assert_true(netpolicy_allowed(&list, "::ffff:192.0.2.1"));
	assert_false(netpolicy_allowed(&list, "::1"));

	list = parse_list("::/0");
	assert_true(netpolicy_allowed(&list, "::"));
	assert_true(netpolicy_allowed(&list, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
	assert_false(netpolicy_allowed(&list, "192.0.2.1"));
	assert_false(netpolicy_allowed(&list, "::ffff:192.0.2.1"));
}

static void
allowed_mapped_addresses(void **state)
{
	struct netpolicy_list list;

	(void)state;
	list = parse_list("10.0.0.0/8");
	assert_true(netpolicy_allowed(&list, "::ffff:10.1.2.3"));
	assert_true(netpolicy_allowed(&list, "::FFFF:a01:203"));
	assert_false(netpolicy_allowed(&list, "::ffff:11.1.2.3"));

	/* A range written mapped matches the plain IPv4 address too. */
	list = parse_list("::ffff:192.0.2.0/120");
	assert_true(netpolicy_allowed(&list, "192.0.2.77"));
	assert_true(netpolicy_allowed(&list, "::ffff:192.0.2.77"));
	assert_false(netpolicy_allowed(&list, "192.0.3.1"));
}

static void
allowed_forty_ranges(void **state)
{
	char text[40 * 20];
	char addr[32];
	struct netpolicy_list list;
	size_t used = 0;

	(void)state;
	for (int i = 0; i < NETPOLICY_MAX_RANGES; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "10.%d.0.0/16 ", i * 3);
	list = parse_list(text);
	for (int i = 0; i < NETPOLICY_MAX_RANGES; i++) {
		snprintf(addr, sizeof(addr), "10.%d.200.1", i * 3);
		assert_true(netpolicy_allowed(&list, addr));
		snprintf(addr, sizeof(addr), "10.%d.0.1", i * 3 + 1);
		assert_false(netpolicy_allowed(&list, addr));
	}
}

static void
client_without_proxies(void **state)
{
	struct netpolicy_list none;

	(void)state;
	none = parse_list("");
	/* No trusted proxy: the header is ignored, so a forged one changes nothing. */
	client_expect("203.0.113.9", "10.0.0.1", &none, "203.0.113.9");
	client_expect("203.0.113.9", "10.0.0.1", NULL, "203.0.113.9");
	client_expect("203.0.113.9", NULL, &none, "203.0.113.9");
	client_expect("::ffff:203.0.113.9", "10.0.0.1", &none, "203.0.113.9");
	client_expect("2001:DB8::9", NULL, &none, "2001:db8::9");
}

static void
client_untrusted_socket_ignores_header(void **state)
{
	struct netpolicy_list proxies;

	(void)state;
	proxies = parse_list("10.0.0.0/8");
	client_expect("203.0.113.9", "192.0.2.1", &proxies, "203.0.113.9");
	client_expect("203.0.113.9", "garbage", &proxies, "203.0.113.9");
	/* Naming a proxy in the header does not make the socket one. */
	client_expect("203.0.113.9", "10.0.0.2", &proxies, "203.0.113.9");
}

static void
client_behind_one_proxy(void **state)
{
	struct netpolicy_list proxies;

	(void)state;
	proxies = parse_list("10.0.0.0/8, fd00::/8");
	client_expect("10.0.0.2", "192.0.2.1", &proxies, "192.0.2.1");
	client_expect("::ffff:10.0.0.2", "192.0.2.1", &proxies, "192.0.2.1");
	client_expect("fd00::2", "2001:db8::1", &proxies, "2001:db8::1");
	client_expect("10.0.0.2", "::ffff:192.0.2.1", &proxies, "192.0.2.1");
	/* A missing, empty or blank header gives the proxy's own address. */
	client_expect("10.0.0.2", NULL, &proxies, "10.0.0.2");
	client_expect("10.0.0.2", "", &proxies, "10.0.0.2");
	client_expect("10.0.0.2", " , \t,", &proxies, "10.0.0.2");
}

static void
client_forged_header(void **state)
{
	struct netpolicy_list proxies;

	(void)state;
	proxies = parse_list("10.0.0.0/8");
	/* The client sent "X-Forwarded-For: 198.51.100.1" and the proxy appended its peer. */
	client_expect("10.0.0.2", "198.51.100.1, 192.0.2.1", &proxies, "192.0.2.1");
	/* Forging a trusted proxy's address at the left does not help either. */
	client_expect("10.0.0.2", "10.0.0.3, 192.0.2.1", &proxies, "192.0.2.1");
	client_expect("10.0.0.2", "10.9.9.9, 10.0.0.3, 192.0.2.1", &proxies, "192.0.2.1");
	/* Garbage left of the client's real address is never read. */
	client_expect("10.0.0.2", "garbage, <script>, 192.0.2.1", &proxies, "192.0.2.1");
}

static void
client_spoofed_chain(void **state)
{
	struct netpolicy_list proxies;

	(void)state;
	proxies = parse_list("10.0.0.0/8, 172.16.0.0/12");
	/* Two proxies: the edge appended the client, the inner one appended the edge. */
	client_expect("10.0.0.2", "198.51.100.1, 192.0.2.1, 172.16.0.5", &proxies, "192.0.2.1");
	/* Every hop trusted: the leftmost is the client. */
	client_expect("10.0.0.2", "10.1.1.1, 172.16.0.5", &proxies, "10.1.1.1");
	/* An untrusted hop between trusted ones ends the walk there. */
	client_expect("10.0.0.2", "10.1.1.1, 192.0.2.7, 172.16.0.5", &proxies, "192.0.2.7");
}

static void
client_spaces_and_ports(void **state)
{
	struct netpolicy_list proxies;

	(void)state;
	proxies = parse_list("10.0.0.0/8");
	client_expect("10.0.0.2", "  192.0.2.1  ", &proxies, "192.0.2.1");
	client_expect("10.0.0.2", "198.51.100.1,192.0.2.1", &proxies, "192.0.2.1");
	client_expect("10.0.0.2", "198.51.100.1 ,\t192.0.2.1\t", &proxies, "192.0.2.1");
	client_expect("10.0.0.2", "192.0.2.1, , ,", &proxies, "192.0.2.1");
	client_expect("10.0.0.2", "192.0.2.1:5678", &proxies, "192.0.2.1");
	client_expect("10.0.0.2", "192.0.2.1:0", &proxies, "192.0.2.1");
	client_expect("10.0.0.2", "192.0.2.1:65535", &proxies, "192.0.2.1");
	client_expect("10.0.0.2", "[2001:db8::1]:443", &proxies, "2001:db8::1");
	client_expect("10.0.0.2", "[2001:DB8::1]", &proxies, "2001:db8::1");
	client_expect("10.0.0.2", "2001:db8::1", &proxies, "2001:db8::1");
	client_expect("10.0.0.2", "192.0.2.1, 10.0.0.3:8080", &proxies, "192.0.2.1");
}

static void
client_malformed_hop_fails(void **state)
{
	static const char *const bad[] = {
		"garbage", "unknown", "192.0.2.1, garbage", "192.0.2", "192.0.2.1:", "192.0.2.1:65536",
		"192.0.2.1:123456", "192.0.2.1:http", "[192.0.2.1]", "[2001:db8::1", "[2001:db8::1]x",
		"[2001:db8::1]:", "2001:db8::1:", "192.0.2.1 198.51.100.1", "fe80::1%eth0",
		"_hidden", "10.0.0.3, garbage", "192.0.2.1\x01",
		"1111111111111111111111111111111111111111111111111111111111111111111111",
	};
	struct netpolicy_list proxies;

	(void)state;
	proxies = parse_list("10.0.0.0/8");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		client_fails("10.0.0.2", bad[i], &proxies);
	/* A malformed entry behind a trusted hop fails too. */
	client_fails("10.0.0.2", "192.0.2.1:99999, 10.0.0.3", &proxies);
}

static void
client_bad_socket_or_buffer(void **state)
{
	struct netpolicy_list proxies;
	char out[NETPOLICY_ADDR_MAX] = "untouched";
	char small[9] = "untouch";

	(void)state;
	proxies = parse_list("10.0.0.0/8");
	client_fails(NULL, "192.0.2.1", &proxies);
	client_fails("", NULL, &proxies);
	client_fails("not an address", NULL, &proxies);
	client_fails("10.0.0.2:80", NULL, &proxies);

	/* "192.0.2.1" needs 10 bytes with its NUL. */
	assert_int_equal(netpolicy_client_addr("10.0.0.2", "192.0.2.1", &proxies, small,
	    sizeof(small)), -1);
	assert_string_equal(small, "untouch");
	assert_int_equal(netpolicy_client_addr("10.0.0.2", "192.0.2.1", &proxies, out, 10), 0);
	assert_string_equal(out, "192.0.2.1");
	assert_int_equal(netpolicy_client_addr("10.0.0.2", "192.0.2.1", &proxies, out, 0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(addr_parse_families),
		cmocka_unit_test(addr_parse_rejects_garbage),
		cmocka_unit_test(range_parse_forms),
		cmocka_unit_test(range_parse_mapped),
		cmocka_unit_test(range_rejects_host_bits),
		cmocka_unit_test(range_rejects_bad_prefix),
		cmocka_unit_test(range_rejects_garbage),
		cmocka_unit_test(list_parse_separators),
		cmocka_unit_test(list_parse_limit),
		cmocka_unit_test(list_parse_names_bad_entry),
		cmocka_unit_test(list_format_round_trip),
		cmocka_unit_test(allowed_empty_list),
		cmocka_unit_test(allowed_ipv4_boundaries),
		cmocka_unit_test(allowed_ipv6_boundaries),
		cmocka_unit_test(allowed_zero_prefixes),
		cmocka_unit_test(allowed_mapped_addresses),
		cmocka_unit_test(allowed_forty_ranges),
		cmocka_unit_test(client_without_proxies),
		cmocka_unit_test(client_untrusted_socket_ignores_header),
		cmocka_unit_test(client_behind_one_proxy),
		cmocka_unit_test(client_forged_header),
		cmocka_unit_test(client_spoofed_chain),
		cmocka_unit_test(client_spaces_and_ports),
		cmocka_unit_test(client_malformed_hop_fails),
		cmocka_unit_test(client_bad_socket_or_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
