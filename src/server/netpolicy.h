/* SPDX-License-Identifier: MIT */
/*
 * Network policy: lists of IPv4 and IPv6 CIDR ranges, used as an account's
 * logon allow-list and as the reverse proxies whose X-Forwarded-For header
 * mfad trusts.
 *
 * An IPv4-mapped IPv6 address (::ffff:192.0.2.1), as a dual-stack socket
 * reports an IPv4 client, is treated as the IPv4 address everywhere, so it
 * matches IPv4 ranges. IPv6 ranges match only other IPv6 addresses: "::/0"
 * does not allow IPv4 clients, which need "0.0.0.0/0".
 */
#ifndef MFAD_NETPOLICY_H
#define MFAD_NETPOLICY_H

#include <stddef.h>
#include <stdint.h>

#include "server/errors.h"

#define NETPOLICY_MAX_RANGES 40 /* ranges in one list */
#define NETPOLICY_ADDR_MAX 46   /* bytes of an address as text, NUL included (INET6_ADDRSTRLEN) */

/* An IPv4 (family AF_INET, 4 bytes used) or IPv6 (AF_INET6) address. */
struct netpolicy_addr {
	int family;
	uint8_t bytes[16];
};

/* A CIDR range: addresses whose first prefix_len bits equal those of base. */
struct netpolicy_range {
	struct netpolicy_addr base;
	unsigned prefix_len; /* 0 to 32 for IPv4, 0 to 128 for IPv6 */
};

struct netpolicy_list {
	size_t count;
	struct netpolicy_range ranges[NETPOLICY_MAX_RANGES];
};

/*
 * Parse an IPv4 or IPv6 address in the form inet_pton() accepts (no port,
 * brackets or zone). An IPv4-mapped IPv6 address becomes IPv4. Returns 0,
 * or -1 when text is not an address.
 */
int netpolicy_addr_parse(const char *text, struct netpolicy_addr *ret);

/*
 * Parse one range: "10.0.0.0/8", "2001:db8::/32", or a single address,
 * which means /32 or /128. The prefix length is 0 to 32 or 0 to 128 in
 * decimal without leading zeros. An address with bits set after the prefix
 * ("10.0.0.1/8") is rejected rather than masked, because it is more likely
 * a typo for a single address than a wish for the whole range. An
 * IPv4-mapped range of /96 or longer becomes the IPv4 range.
 *
 * Returns SRV_OK, or SRV_ERR_INVALID_PARAMETER with a message in st that
 * quotes the entry. *ret is written only on success.
 */
int netpolicy_range_parse(const char *text, struct netpolicy_range *ret, struct srv_status *st);

/*
 * Parse a list of up to NETPOLICY_MAX_RANGES ranges separated by commas or
 * white space. A run of separators counts as one, so "a, b" works, and an
 * empty or blank text gives an empty list. Returns SRV_OK, or
 * SRV_ERR_INVALID_PARAMETER with a message in st that quotes the first bad
 * entry or gives the limit. *ret is written only on success.
 */
int netpolicy_list_parse(const char *text, struct netpolicy_list *ret, struct srv_status *st);

/*
 * Write list into out as ranges in canonical form separated by ", "
 * ("10.0.0.0/8, 2001:db8::/32"). Returns 0, or -1 when out is too small.
 */
int netpolicy_list_format(const struct netpolicy_list *list, char *out, size_t size);

/* Return 1 when addr is in one of list's ranges, else 0 (always 0 for an empty list). */
int netpolicy_list_contains(const struct netpolicy_list *list, const struct netpolicy_addr *addr);

/*
 * Return 1 when the client address addr (text) may log on under the
 * allow-list list, else 0. An empty list (or NULL) allows every address.
 * With a non-empty list, an address that does not parse is denied.
 */
int netpolicy_allowed(const struct netpolicy_list *list, const char *addr);

/*
 * Find the client's address. It is socket_addr, the peer of the TCP
 * connection, unless socket_addr is in trusted_proxies. Then mfad walks the
 * X-Forwarded-For header from the right, where each trusted proxy appended
 * the peer it saw, past the addresses of trusted proxies, and takes the first
 * address that is not one. A client can write anything at the left of the
 * header but cannot change what the proxies appended, so a forged entry is
 * never reached unless the client itself has a trusted proxy's address. When
 * every entry is a trusted proxy, the leftmost one is the client.
 *
 * Entries are separated by commas with optional spaces or tabs, and empty
 * entries are skipped. An entry is an address, or "[IPv6]", "[IPv6]:port" or
 * "IPv4:port", since some proxies add the port. A missing or blank header
 * gives socket_addr.
 *
 * Writes the address in canonical text (IPv4-mapped as IPv4) to out and
 * returns 0. Returns -1 and leaves out untouched when socket_addr is not an
 * address, out is smaller than the result, or the walk reaches a malformed
 * entry. That last case means a trusted proxy forwarded something that no
 * proxy writes, so no entry can be believed. Reject the request (400)
 * rather than guess: a fallback to a proxy's address could pass an
 * allow-list that contains the proxies.
 *
 * The caller must pass every X-Forwarded-For field line of the request,
 * joined in order with commas: libmicrohttpd's MHD_lookup_connection_value()
 * returns only the first line, which a client can send ahead of the line a
 * proxy appended. The RFC 7239 Forwarded header is not read.
 */
int netpolicy_client_addr(const char *socket_addr, const char *x_forwarded_for,
    const struct netpolicy_list *trusted_proxies, char *out, size_t out_size);

#endif
