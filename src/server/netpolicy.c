/* SPDX-License-Identifier: MIT */
/* CIDR allow-lists and the client address behind trusted reverse proxies. */
#include "server/netpolicy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* Maximum length of an entry: an IPv6 address with an IPv4 tail, a prefix or a port, and brackets. */
#define NETPOLICY_ENTRY_MAX 64
#define NETPOLICY_QUOTE_MAX 48 /* characters of a bad entry quoted in a message */

static const uint8_t netpolicy_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static unsigned
netpolicy_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static size_t
netpolicy_size(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Turn an IPv4-mapped IPv6 address into the IPv4 address. */
static void
netpolicy_unmap(struct netpolicy_addr *a)
{
	if (a->family == AF_INET6 &&
	    memcmp(a->bytes, netpolicy_mapped_prefix, sizeof(netpolicy_mapped_prefix)) == 0) {
		a->family = AF_INET;
		memmove(a->bytes, a->bytes + 12, 4);
		memset(a->bytes + 4, 0, 12);
	}
}

int
netpolicy_addr_parse(const char *text, struct netpolicy_addr *ret)
{
	struct netpolicy_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, text, a.bytes) == 1) {
		a.family = AF_INET;
	} else if (inet_pton(AF_INET6, text, a.bytes) == 1) {
		a.family = AF_INET6;
		netpolicy_unmap(&a);
	} else {
		return -1;
	}
	*ret = a;
	return 0;
}

static int
netpolicy_format_addr(const struct netpolicy_addr *a, char *out, size_t size)
{
	char buf[NETPOLICY_ADDR_MAX];

	if (inet_ntop(a->family, a->bytes, buf, sizeof(buf)) == NULL)
		return -1;
	if (strlen(buf) >= size)
		return -1;
	memcpy(out, buf, strlen(buf) + 1);
	return 0;
}

/* Return 1 when the first prefix_len bits of a and b are equal. */
static int
netpolicy_prefix_equal(const uint8_t *a, const uint8_t *b, unsigned prefix_len)
{
	size_t whole = prefix_len / 8;
	unsigned rest = prefix_len % 8;
	uint8_t mask;

	if (memcmp(a, b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & mask) == (b[whole] & mask);
}

/* Return 1 when a has a bit set after its first prefix_len bits. */
static int
netpolicy_host_bits(const struct netpolicy_addr *a, unsigned prefix_len)
{
	size_t size = netpolicy_size(a->family);

	for (size_t i = prefix_len / 8; i < size; i++) {
		unsigned keep = prefix_len > i * 8 ? prefix_len - (unsigned)(i * 8) : 0;
		uint8_t mask = keep >= 8 ? 0 : (uint8_t)(0xff >> keep);

		if ((a->bytes[i] & mask) != 0)
			return 1;
	}
	return 0;
}

static void
netpolicy_clear_host_bits(struct netpolicy_addr *a, unsigned prefix_len)
{
	size_t size = netpolicy_size(a->family);

	for (size_t i = prefix_len / 8; i < size; i++) {
		unsigned keep = prefix_len > i * 8 ? prefix_len - (unsigned)(i * 8) : 0;
		uint8_t mask = keep >= 8 ? 0 : (uint8_t)(0xff >> keep);

		a->bytes[i] &= (uint8_t)~mask;
	}
}

/*
 * Copy an entry of a client's input into buf for a message: at most
 * NETPOLICY_QUOTE_MAX characters, with bytes outside printable ASCII as '?'.
 */
static const char *
netpolicy_quote(const char *s, size_t len, char *buf, size_t size)
{
	size_t n = len < NETPOLICY_QUOTE_MAX ? len : NETPOLICY_QUOTE_MAX;
	size_t i;

	for (i = 0; i < n && i + 4 < size; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (n < len && i + 4 <= size) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

/* Parse the decimal prefix length in s: 1 to 3 digits without a leading zero. */
static int
netpolicy_parse_prefix(const char *s, unsigned max, unsigned *ret)
{
	size_t n = strlen(s);
	unsigned v = 0;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*ret = v;
	return 0;
}

/* Parse the range in s (len bytes, not NUL-terminated). */
static int
netpolicy_range_parse_n(const char *s, size_t len, struct netpolicy_range *ret, struct srv_status *st)
{
	char entry[NETPOLICY_ENTRY_MAX + 1];
	char quoted[NETPOLICY_QUOTE_MAX + 4];
	char masked[NETPOLICY_ADDR_MAX];
	struct netpolicy_range r;
	char *slash;

	netpolicy_quote(s, len, quoted, sizeof(quoted));
	if (len == 0 || len > NETPOLICY_ENTRY_MAX || memchr(s, '\0', len) != NULL)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "\"%s\" is not an IPv4 or IPv6 address or CIDR range.", quoted);
	memcpy(entry, s, len);
	entry[len] = '\0';
	memset(&r, 0, sizeof(r));

	slash = strchr(entry, '/');
	if (slash != NULL)
		*slash = '\0';
	if (netpolicy_addr_parse(entry, &r.base) != 0)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "\"%s\" is not an IPv4 or IPv6 address or CIDR range.", quoted);

	/* A mapped address was turned into IPv4, and its prefix length counts the 96 bits before it. */
	r.prefix_len = netpolicy_bits(r.base.family);
	if (slash != NULL) {
		int mapped = r.base.family == AF_INET && strchr(entry, ':') != NULL;
		unsigned prefix;

		if (netpolicy_parse_prefix(slash + 1, mapped ? 128 : netpolicy_bits(r.base.family),
		    &prefix) != 0)
			return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
			    "\"%s\" has an invalid prefix length: use 0 to %u after the '/'.", quoted,
			    mapped ? 128 : netpolicy_bits(r.base.family));
		if (mapped && prefix < 96) {
			/* Wider than the mapped block: keep it as the IPv6 range it spells. */
			if (inet_pton(AF_INET6, entry, r.base.bytes) != 1)
				return SRV_ERR_INTERNAL;
			r.base.family = AF_INET6;
		} else if (mapped) {
			prefix -= 96;
		}
		r.prefix_len = prefix;
	}

	if (netpolicy_host_bits(&r.base, r.prefix_len)) {
		struct netpolicy_addr base = r.base;

		netpolicy_clear_host_bits(&base, r.prefix_len);
		if (netpolicy_format_addr(&base, masked, sizeof(masked)) != 0)
			return SRV_ERR_INTERNAL;
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "\"%s\" has bits set after its /%u prefix: write %s/%u for the range, or the "
		    "address alone.", quoted, r.prefix_len, masked, r.prefix_len);
	}
	*ret = r;
	return SRV_OK;
}

int
netpolicy_range_parse(const char *text, struct netpolicy_range *ret, struct srv_status *st)
{
	return netpolicy_range_parse_n(text, strlen(text), ret, st);
}

static int
netpolicy_is_separator(char c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int
netpolicy_list_parse(const char *text, struct netpolicy_list *ret, struct srv_status *st)
{
	struct netpolicy_list list;
	const char *p = text;

	memset(&list, 0, sizeof(list));
	for (;;) {
		const char *start;
		int r;

		while (*p != '\0' && netpolicy_is_separator(*p))
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p != '\0' && !netpolicy_is_separator(*p))
			p++;
		if (list.count == NETPOLICY_MAX_RANGES)
			return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
			    "The list has more than %d ranges.", NETPOLICY_MAX_RANGES);
		r = netpolicy_range_parse_n(start, (size_t)(p - start), &list.ranges[list.count], st);
		if (r != SRV_OK)
			return r;
		list.count++;
	}
	*ret = list;
	return SRV_OK;
}

int
netpolicy_list_format(const struct netpolicy_list *list, char *out, size_t size)
{
	size_t used = 0;

	if (size == 0)
		return -1;
	out[0] = '\0';
	for (size_t i = 0; i < list->count; i++) {
		char addr[NETPOLICY_ADDR_MAX];
		int n;

		if (netpolicy_format_addr(&list->ranges[i].base, addr, sizeof(addr)) != 0)
			return -1;
		n = snprintf(out + used, size - used, "%s%s/%u", i > 0 ? ", " : "", addr,
		    list->ranges[i].prefix_len);
		if (n < 0 || (size_t)n >= size - used)
			return -1;
		used += (size_t)n;
	}
	return 0;
}

int
netpolicy_list_contains(const struct netpolicy_list *list, const struct netpolicy_addr *addr)
{
	if (list == NULL)
		return 0;
	for (size_t i = 0; i < list->count; i++) {
		const struct netpolicy_range *r = &list->ranges[i];

		if (r->base.family == addr->family &&
		    netpolicy_prefix_equal(r->base.bytes, addr->bytes, r->prefix_len))
			return 1;
	}
	return 0;
}

int
netpolicy_allowed(const struct netpolicy_list *list, const char *addr)
{
	struct netpolicy_addr a;

	if (list == NULL || list->count == 0)
		return 1;
	if (addr == NULL || netpolicy_addr_parse(addr, &a) != 0)
		return 0;
	return netpolicy_list_contains(list, &a);
}

/*
 * Parse one X-Forwarded-For entry (len bytes, spaces already trimmed): an
 * address, "[IPv6]", "[IPv6]:port" or "IPv4:port".
 */
static int
netpolicy_forwarded_parse(const char *s, size_t len, struct netpolicy_addr *ret)
{
	char entry[NETPOLICY_ENTRY_MAX + 1];
	char *addr = entry;
	char *port = NULL;
	char *colon;

	if (len == 0 || len > NETPOLICY_ENTRY_MAX || memchr(s, '\0', len) != NULL)
		return -1;
	memcpy(entry, s, len);
	entry[len] = '\0';

	if (entry[0] == '[') {
		char *close = strchr(entry, ']');

		if (close == NULL)
			return -1;
		*close = '\0';
		addr = entry + 1;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			return -1;
		if (strchr(addr, ':') == NULL)
			return -1; /* brackets are for IPv6 only */
	} else {
		colon = strchr(entry, ':');
		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			/* One colon: IPv4 with a port. IPv6 has at least two. */
			*colon = '\0';
			port = colon + 1;
			if (strchr(addr, '.') == NULL)
				return -1;
		}
	}
	if (port != NULL) {
		size_t n = strlen(port);
		unsigned long v = 0;

		if (n == 0 || n > 5)
			return -1;
		for (size_t i = 0; i < n; i++) {
			if (port[i] < '0' || port[i] > '9')
				return -1;
			v = v * 10 + (unsigned long)(port[i] - '0');
		}
		if (v > 65535)
			return -1;
	}
	return netpolicy_addr_parse(addr, ret);
}

int
netpolicy_client_addr(const char *socket_addr, const char *x_forwarded_for,
    const struct netpolicy_list *trusted_proxies, char *out, size_t out_size)
{
	struct netpolicy_addr client;
	size_t end;

	if (socket_addr == NULL || netpolicy_addr_parse(socket_addr, &client) != 0)
		return -1;
	if (x_forwarded_for == NULL || !netpolicy_list_contains(trusted_proxies, &client))
		return netpolicy_format_addr(&client, out, out_size);

	/* Walk from the right: client is the nearest hop so far, a trusted proxy. */
	end = strlen(x_forwarded_for);
	while (end > 0) {
		size_t start = end;
		size_t last = end;
		struct netpolicy_addr hop;

		while (start > 0 && x_forwarded_for[start - 1] != ',')
			start--;
		end = start > 0 ? start - 1 : 0;
		while (start < last && (x_forwarded_for[start] == ' ' || x_forwarded_for[start] == '\t'))
			start++;
		while (last > start && (x_forwarded_for[last - 1] == ' ' ||
		    x_forwarded_for[last - 1] == '\t'))
			last--;
		if (last == start)
			continue; /* an empty list element */
		if (netpolicy_forwarded_parse(x_forwarded_for + start, last - start, &hop) != 0)
			return -1;
		client = hop;
		if (!netpolicy_list_contains(trusted_proxies, &hop))
			break;
	}
	return netpolicy_format_addr(&client, out, out_size);
}
