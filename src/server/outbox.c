/* SPDX-License-Identifier: MIT */
/* The mail outbox: queueing in the caller's transaction, and the sender thread. */
#include "server/outbox.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "server/app.h"
#include "server/mail.h"
#include "server/seal.h"

#define OUTBOX_AAD_PREFIX "mfad outbox "  /* sealed data is bound to its Message-ID */
#define OUTBOX_AAD_MAX (sizeof(OUTBOX_AAD_PREFIX) + STORE_MESSAGE_ID_MAX)
#define OUTBOX_SECRET_MAX 256              /* bytes of the SMTP user name or password */
#define OUTBOX_BATCH_MAX 100               /* messages sent before the sender looks again */

struct outbox {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;    /* signalled by outbox_wake and outbox_stop */
	int wake;               /* under lock: a message was queued */
	atomic_int stop;        /* read by the transfer's progress callback too */
	int have_credentials;
	char user[OUTBOX_SECRET_MAX + 1];
	char password[OUTBOX_SECRET_MAX + 1];
	char host[128];         /* this host's name, for maildir file names */
};

/* Queueing */

static void
outbox_aad(const char *message_id, char *aad, size_t size, size_t *ret_len)
{
	int n = snprintf(aad, size, "%s%s", OUTBOX_AAD_PREFIX, message_id);

	*ret_len = n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

int
outbox_queue_until(const struct app *app, struct store *db, const char *to,
    const char *subject, const char *text, int64_t expires, struct srv_status *st)
{
	struct store_outbox_message msg;
	struct mail_message mail = { 0 };
	char quoted[LOG_QUOTE_MAX];
	char aad[OUTBOX_AAD_MAX];
	char err[256];
	uint8_t *sealed = NULL;
	size_t sealed_len = 0;
	size_t aad_len;
	int64_t now = clock_now();
	int r = SRV_ERR_INTERNAL;

	if (mail_format(app->cfg.mail_from, to, subject, text, now, &mail, err, sizeof(err)) != 0) {
		r = srv_fail(st, SRV_ERR_INVALID_PARAMETER, "%s", err);
		goto out;
	}
	sealed = malloc(mail.len + SEAL_OVERHEAD);
	if (sealed == NULL) {
		r = srv_fail(st, SRV_ERR_INTERNAL, "out of memory");
		goto out;
	}
	outbox_aad(mail.message_id, aad, sizeof(aad), &aad_len);
	if (seal_encrypt(app->seal, (const uint8_t *)aad, aad_len, (const uint8_t *)mail.data,
	    mail.len, sealed, mail.len + SEAL_OVERHEAD, &sealed_len) != 0) {
		log_error("event=mail_queue_failed err=\"sealing the message failed\"");
		r = srv_fail(st, SRV_ERR_INTERNAL, "cannot queue the mail");
		goto out;
	}

	memset(&msg, 0, sizeof(msg));
	snprintf(msg.recipient, sizeof(msg.recipient), "%s", to);
	memcpy(msg.message_id, mail.message_id, sizeof(msg.message_id));
	msg.data = (char *)sealed;
	msg.data_len = sealed_len;
	msg.created = now;
	msg.next_attempt = now;
	msg.expires = expires;
	if (db->ops->outbox_enqueue(db, &msg) != STORE_OK) {
		r = srv_fail(st, SRV_ERR_INTERNAL, "cannot queue the mail");
		goto out;
	}
	log_info("event=mail_queued id=%lld to_domain=%s", (long long)msg.id,
	    log_quote(mail_address_domain(to), quoted, sizeof(quoted)));
	r = SRV_OK;
out:
	free(sealed); /* sealed: nothing to wipe */
	mail_message_clear(&mail);
	return r;
}

int
outbox_queue(const struct app *app, struct store *db, const char *to,
    const char *subject, const char *text, struct srv_status *st)
{
	return outbox_queue_until(app, db, to, subject, text, 0, st);
}

void
outbox_wake(const struct app *app)
{
	struct outbox *ob = app != NULL ? app->outbox : NULL;

	if (ob == NULL)
		return;
	pthread_mutex_lock(&ob->lock);
	ob->wake = 1;
	pthread_cond_signal(&ob->cond);
	pthread_mutex_unlock(&ob->lock);
}

/* Result classification */

enum outbox_result
outbox_smtp_result(int curl_code, long reply_code)
{
	if (curl_code == CURLE_OK)
		return OUTBOX_DELIVERED;
	if (curl_code == CURLE_ABORTED_BY_CALLBACK)
		return OUTBOX_ABORTED;
	/*
	 * A failed login, a missing STARTTLS or an untrusted certificate is a
	 * setting of this server or of the relay, not a fault of the message:
	 * keep the message and retry, so fixing the setting delivers it.
	 */
	if (curl_code == CURLE_LOGIN_DENIED || curl_code == CURLE_USE_SSL_FAILED ||
	    curl_code == CURLE_PEER_FAILED_VERIFICATION || curl_code == CURLE_SSL_CONNECT_ERROR)
		return OUTBOX_TEMPORARY;
	/* RFC 5321 section 4.2.1: 5yz is a permanent negative reply, 4yz a transient one. */
	if (reply_code >= 500 && reply_code <= 599)
		return OUTBOX_PERMANENT;
	/* Everything else (4yz, no connection, a time-out, a broken connection) may pass. */
	return OUTBOX_TEMPORARY;
}

int64_t
outbox_retry_delay(int attempts)
{
	int64_t delay = OUTBOX_RETRY_FIRST_S;

	for (int i = 1; i < attempts && delay < OUTBOX_RETRY_MAX_S; i++)
		delay *= 2;
	return delay < OUTBOX_RETRY_MAX_S ? delay : OUTBOX_RETRY_MAX_S;
}

/* SMTP delivery */

struct outbox_upload {
	const char *data;
	size_t len;
	size_t done;
};

static size_t
outbox_read_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct outbox_upload *up = arg;
	size_t room = size * nmemb;
	size_t n = up->len - up->done;

	if (n > room)
		n = room;
	memcpy(buf, up->data + up->done, n);
	up->done += n;
	return n;
}

/* Abort a transfer when mfad stops. */
static int
outbox_progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct outbox *ob = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return atomic_load(&ob->stop) ? 1 : 0;
}

/* Set the options of one SMTP transfer. Returns a CURLcode. */
static CURLcode
outbox_smtp_setup(CURL *c, struct app *app, struct curl_slist *rcpt, struct outbox_upload *up,
    char *errbuf, char *from)
{
	const struct mfad_config *cfg = &app->cfg;
	struct outbox *ob = app->outbox;
	CURLcode rc = CURLE_OK;

	snprintf(from, STORE_EMAIL_MAX + 3, "<%s>", cfg->mail_from);
#define OUTBOX_SETOPT(opt, val) \
	do { if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val); } while (0)
	OUTBOX_SETOPT(CURLOPT_ERRORBUFFER, errbuf);
	OUTBOX_SETOPT(CURLOPT_URL, cfg->mail_smtp_url);
	OUTBOX_SETOPT(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	OUTBOX_SETOPT(CURLOPT_NOSIGNAL, 1L);
	OUTBOX_SETOPT(CURLOPT_CONNECTTIMEOUT, (long)cfg->mail_timeout);
	OUTBOX_SETOPT(CURLOPT_TIMEOUT, (long)cfg->mail_timeout);
	/* Also bounds the wait for the reply to QUIT when the connection closes. */
	OUTBOX_SETOPT(CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)cfg->mail_timeout);
	OUTBOX_SETOPT(CURLOPT_MAIL_FROM, from);
	OUTBOX_SETOPT(CURLOPT_MAIL_RCPT, rcpt);
	OUTBOX_SETOPT(CURLOPT_UPLOAD, 1L);
	OUTBOX_SETOPT(CURLOPT_READFUNCTION, outbox_read_cb);
	OUTBOX_SETOPT(CURLOPT_READDATA, up);
	OUTBOX_SETOPT(CURLOPT_INFILESIZE_LARGE, (curl_off_t)up->len);
	OUTBOX_SETOPT(CURLOPT_NOPROGRESS, 0L);
	OUTBOX_SETOPT(CURLOPT_XFERINFOFUNCTION, outbox_progress_cb);
	OUTBOX_SETOPT(CURLOPT_XFERINFODATA, ob);
	/* smtps:// is TLS from the start; CURLUSESSL_ALL also makes curl fail without STARTTLS. */
	if (cfg->mail_starttls == CONFIG_STARTTLS_REQUIRED)
		OUTBOX_SETOPT(CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (cfg->mail_ca_file[0] != '\0')
		OUTBOX_SETOPT(CURLOPT_CAINFO, cfg->mail_ca_file);
	if (ob->have_credentials) {
		OUTBOX_SETOPT(CURLOPT_USERNAME, ob->user);
		OUTBOX_SETOPT(CURLOPT_PASSWORD, ob->password);
	}
#undef OUTBOX_SETOPT
	return rc;
}

/* Send data (a whole message) to msg->recipient over SMTP, with the reason of a failure in err. */
static enum outbox_result
outbox_send_smtp(struct app *app, const struct store_outbox_message *msg, const char *data,
    size_t len, char *err, size_t err_size)
{
	struct outbox_upload up = { data, len, 0 };
	struct curl_slist *rcpt = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	char from[STORE_EMAIL_MAX + 3];
	char to[STORE_EMAIL_MAX + 3];
	enum outbox_result result = OUTBOX_TEMPORARY;
	curl_socket_t sock = CURL_SOCKET_BAD;
	long reply = 0;
	CURL *c = NULL;
	CURLcode rc;

	snprintf(to, sizeof(to), "<%s>", msg->recipient);
	c = curl_easy_init();
	rcpt = curl_slist_append(NULL, to);
	if (c == NULL || rcpt == NULL) {
		snprintf(err, err_size, "cannot set up libcurl: out of memory");
		goto out;
	}
	rc = outbox_smtp_setup(c, app, rcpt, &up, errbuf, from);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(c);
	(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
	result = outbox_smtp_result((int)rc, reply);
	/*
	 * After an abort or a time-out the server may send no reply at all,
	 * and curl_easy_cleanup would wait for its reply to QUIT. Shutting the
	 * socket down makes that QUIT fail at once.
	 */
	if ((rc == CURLE_ABORTED_BY_CALLBACK || rc == CURLE_OPERATION_TIMEDOUT) &&
	    curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &sock) == CURLE_OK &&
	    sock != CURL_SOCKET_BAD)
		(void)shutdown(sock, SHUT_RDWR);
	if (result != OUTBOX_DELIVERED)
		snprintf(err, err_size, "%s (curl %d, SMTP reply %ld)",
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc), (int)rc, reply);
out:
	curl_slist_free_all(rcpt);
	if (c != NULL)
		curl_easy_cleanup(c);
	return result;
}

/* Maildir delivery */

/* Copy s into out, keeping letters, digits, '-' and '.', and replacing other bytes with '_'. */
static void
outbox_safe_name(const char *s, size_t n, char *out, size_t size)
{
	size_t i;

	for (i = 0; i < n && s[i] != '\0' && i + 1 < size; i++) {
		char c = s[i];

		out[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' ? c : '_';
	}
	out[i] = '\0';
}

/* Write n bytes, turning CRLF into LF, the line ending of maildir files. */
static int
outbox_write_lf(int fd, const char *data, size_t n)
{
	size_t start = 0;

	while (start < n) {
		const char *cr = memchr(data + start, '\r', n - start);
		size_t end = cr != NULL ? (size_t)(cr - data) : n;
		size_t skip = cr != NULL && end + 1 < n && data[end + 1] == '\n' ? 1 : 0;
		ssize_t w;

		/* A CR not followed by LF cannot be in a formatted mail; keep it as it is. */
		if (cr != NULL && skip == 0)
			end++;
		while (start < end) {
			w = write(fd, data + start, end - start);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return -1;
			start += (size_t)w;
		}
		start += skip;
	}
	return 0;
}

/* fsync a folder, so a rename into it survives a crash. */
static int
outbox_sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/*
 * Write a message into the maildir: to tmp/ first, fsync'd, then renamed
 * into new/. The file name comes from the Message-ID, so delivering a
 * message again after a crash replaces the file instead of adding one.
 */
static enum outbox_result
outbox_send_maildir(struct app *app, const struct store_outbox_message *msg, const char *data,
    size_t len, char *err, size_t err_size)
{
	const char *dir = app->cfg.mail_maildir;
	char unique[STORE_MESSAGE_ID_MAX + 1];
	char name[STORE_MESSAGE_ID_MAX + 192];
	char tmp[CONFIG_PATH_MAX + sizeof(name) + 8];
	char dst[CONFIG_PATH_MAX + sizeof(name) + 8];
	char sub[CONFIG_PATH_MAX + 8];
	int saved;
	int fd = -1;

	outbox_safe_name(msg->message_id, strcspn(msg->message_id, "@"), unique, sizeof(unique));
	snprintf(name, sizeof(name), "%lld.%s.%s", (long long)msg->created, unique,
	    app->outbox->host);
	snprintf(tmp, sizeof(tmp), "%s/tmp/%s", dir, name);
	snprintf(dst, sizeof(dst), "%s/new/%s", dir, name);
	snprintf(sub, sizeof(sub), "%s/new", dir);

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		goto fail;
	if (outbox_write_lf(fd, data, len) != 0 || fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, dst) != 0 || outbox_sync_dir(sub) != 0)
		goto fail;
	return OUTBOX_DELIVERED;
fail:
	saved = errno;
	/* The path is cut so the reason fits the stored error. */
	snprintf(err, err_size, "cannot write to maildir %.160s: %s", dir, strerror(saved));
	if (fd >= 0)
		close(fd);
	(void)unlink(tmp);
	return OUTBOX_TEMPORARY;
}

/* The sender */

/* Open a message's sealed data. Returns 0 and a buffer to wipe and free, or -1. */
static int
outbox_unseal(struct app *app, const struct store_outbox_message *msg, char **ret_data,
    size_t *ret_len)
{
	char aad[OUTBOX_AAD_MAX];
	size_t aad_len;
	size_t len = 0;
	char *plain;

	if (msg->data_len <= SEAL_OVERHEAD)
		return -1;
	plain = malloc(msg->data_len);
	if (plain == NULL)
		return -1;
	outbox_aad(msg->message_id, aad, sizeof(aad), &aad_len);
	if (seal_decrypt(app->seal, (const uint8_t *)aad, aad_len, (const uint8_t *)msg->data,
	    msg->data_len, (uint8_t *)plain, msg->data_len, &len) != 0) {
		free(plain);
		return -1;
	}
	*ret_data = plain;
	*ret_len = len;
	return 0;
}

/*
 * Record the result of one attempt and log it. Returns -1 when the result
 * could not be stored, so the message is still due.
 */
static int
outbox_record(struct store *db, const struct store_outbox_message *msg,
    enum outbox_result result, const char *err, int64_t now)
{
	char domain[LOG_QUOTE_MAX];
	char quoted[LOG_QUOTE_MAX];
	char reason[STORE_OUTBOX_ERROR_MAX + 1];
	int attempts = msg->attempts + 1;
	int64_t delay;
	int r;

	if (result == OUTBOX_ABORTED) {
		/* End the claim, so the next start sends the message at once. */
		r = db->ops->outbox_mark_retry(db, msg->id, msg->attempts, now, msg->last_error);
		return r == STORE_OK ? 0 : -1;
	}
	log_quote(mail_address_domain(msg->recipient), domain, sizeof(domain));
	if (result == OUTBOX_DELIVERED) {
		r = db->ops->outbox_mark_sent(db, msg->id, now);
		if (r == STORE_OK)
			log_info("event=mail_sent id=%lld to_domain=%s attempts=%d", (long long)msg->id,
			    domain, attempts);
		else
			log_error("event=mail_mark_failed id=%lld err=\"sent, but recording it failed; "
			    "it may be sent again\"", (long long)msg->id);
		return r == STORE_OK ? 0 : -1;
	}

	log_quote(err, quoted, sizeof(quoted));
	if (result == OUTBOX_TEMPORARY && now - msg->created < OUTBOX_GIVE_UP_S) {
		delay = outbox_retry_delay(attempts);
		r = db->ops->outbox_mark_retry(db, msg->id, attempts, now + delay, err);
		log_warn("event=mail_retry id=%lld to_domain=%s attempts=%d retry_in=%lld error=%s",
		    (long long)msg->id, domain, attempts, (long long)delay, quoted);
	} else {
		if (result == OUTBOX_TEMPORARY)
			snprintf(reason, sizeof(reason), "gave up after %d attempts in %d s: %s",
			    attempts, OUTBOX_GIVE_UP_S, err);
		else
			snprintf(reason, sizeof(reason), "%s", err);
		r = db->ops->outbox_mark_failed(db, msg->id, reason);
		log_error("event=mail_failed id=%lld to_domain=%s attempts=%d error=%s",
		    (long long)msg->id, domain, attempts, log_quote(reason, quoted, sizeof(quoted)));
	}
	if (r != STORE_OK) {
		log_error("event=mail_mark_failed id=%lld err=\"recording the attempt failed\"",
		    (long long)msg->id);
		return -1;
	}
	return 0;
}

/*
 * Try one due message. Returns -1 when its result could not be recorded,
 * so the caller stops instead of sending it again at once.
 */
static int
outbox_attempt(struct app *app, struct store *db, const struct store_outbox_message *msg)
{
	enum outbox_result result;
	char err[STORE_OUTBOX_ERROR_MAX + 1] = "";
	char *plain = NULL;
	size_t len = 0;
	int64_t now = clock_now();
	int r;

	if (msg->expires != 0 && now >= msg->expires) {
		snprintf(err, sizeof(err), "expired before delivery");
		return outbox_record(db, msg, OUTBOX_PERMANENT, err, now);
	}
	if (outbox_unseal(app, msg, &plain, &len) != 0) {
		snprintf(err, sizeof(err), "cannot decrypt the queued message: was the master key "
		    "replaced?");
		return outbox_record(db, msg, OUTBOX_PERMANENT, err, now);
	}
	if (app->cfg.mail_smtp_url[0] != '\0')
		result = outbox_send_smtp(app, msg, plain, len, err, sizeof(err));
	else
		result = outbox_send_maildir(app, msg, plain, len, err, sizeof(err));
	r = outbox_record(db, msg, result, err, clock_now());
	sodium_memzero(plain, len);
	free(plain);
	return r;
}

/*
 * Send every due message, at most OUTBOX_BATCH_MAX, until mfad stops or
 * the database fails. Returns -1 when a result could not be recorded.
 */
static int
outbox_send_due(struct app *app, struct store *db)
{
	struct store_outbox_message msg;
	int64_t now;
	int r;

	for (int i = 0; i < OUTBOX_BATCH_MAX && !atomic_load(&app->outbox->stop); i++) {
		memset(&msg, 0, sizeof(msg));
		now = clock_now();
		/* The claim keeps other mfad processes on this database off the message. */
		if (db->ops->outbox_claim(db, now, now + app->cfg.mail_timeout +
		    OUTBOX_CLAIM_MARGIN_S, &msg) != STORE_OK)
			return 0;
		r = outbox_attempt(app, db, &msg);
		store_outbox_message_clear(&msg);
		if (r != 0)
			return -1;
	}
	return 0;
}

/* Wait until woken, stopped, or seconds have passed. */
static void
outbox_sleep(struct outbox *ob, int64_t seconds)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)seconds;
	pthread_mutex_lock(&ob->lock);
	while (!ob->wake && !atomic_load(&ob->stop)) {
		if (pthread_cond_timedwait(&ob->cond, &ob->lock, &until) == ETIMEDOUT)
			break;
	}
	ob->wake = 0;
	pthread_mutex_unlock(&ob->lock);
}

static void *
outbox_thread(void *arg)
{
	struct app *app = arg;
	struct outbox *ob = app->outbox;
	int record_failures = 0;
	struct store *db;
	int64_t next;
	int64_t wait;

	while (!atomic_load(&ob->stop)) {
		wait = OUTBOX_POLL_S;
		db = app_store(app);
		if (db != NULL && outbox_send_due(app, db) != 0) {
			/*
			 * The message whose result was lost is still due: wait as
			 * for a retry, so a failing database does not make the
			 * sender send it over and over.
			 */
			wait = outbox_retry_delay(++record_failures);
		} else if (db != NULL) {
			record_failures = 0;
			/* Sleep until the next retry is due, for 1 to OUTBOX_POLL_S seconds. */
			if (db->ops->outbox_next_attempt(db, &next) == STORE_OK) {
				next -= clock_now();
				if (next < wait)
					wait = next;
				if (wait < 1)
					wait = 1;
			}
		}
		outbox_sleep(ob, wait);
	}
	return NULL;
}

/* Start and stop */

/*
 * Read "user=NAME" and "password=SECRET" lines from path, which must be a
 * regular file that only its owner can read. Other lines, and lines
 * starting with '#', are ignored. Values are taken to the end of the line.
 */
static int
outbox_read_credentials(struct outbox *ob, const char *path, char *err, size_t err_size)
{
	char text[OUTBOX_CREDENTIALS_MAX + 1];
	struct stat sb;
	ssize_t n = 0;
	int fd;
	int r = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		snprintf(err, err_size, "cannot open mail.credentials_file %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode) || (sb.st_mode & 077) != 0) {
		snprintf(err, err_size, "mail.credentials_file %s must be a regular file of mode "
		    "0600: run chmod 600 on it", path);
		goto out;
	}
	n = read(fd, text, sizeof(text));
	if (n < 0 || n > OUTBOX_CREDENTIALS_MAX) {
		snprintf(err, err_size, "cannot read mail.credentials_file %s, or it is longer "
		    "than %d bytes", path, OUTBOX_CREDENTIALS_MAX);
		goto out;
	}
	text[n] = '\0';
	for (char *line = text; *line != '\0';) {
		size_t len = strcspn(line, "\n");
		char *next = line[len] == '\n' ? line + len + 1 : line + len;
		char *value;

		line[len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		value = strchr(line, '=');
		if (line[0] != '#' && value != NULL) {
			char *dst = strncmp(line, "user=", 5) == 0 ? ob->user :
			    strncmp(line, "password=", 9) == 0 ? ob->password : NULL;

			if (dst != NULL && strlen(value + 1) > OUTBOX_SECRET_MAX) {
				snprintf(err, err_size, "a value in mail.credentials_file %s is longer "
				    "than %d bytes", path, OUTBOX_SECRET_MAX);
				goto out;
			}
			if (dst != NULL)
				memcpy(dst, value + 1, strlen(value + 1) + 1);
		}
		line = next;
	}
	if (ob->user[0] == '\0' || ob->password[0] == '\0') {
		snprintf(err, err_size, "mail.credentials_file %s needs a user= and a password= line",
		    path);
		goto out;
	}
	ob->have_credentials = 1;
	r = 0;
out:
	sodium_memzero(text, sizeof(text));
	if (fd >= 0)
		close(fd);
	return r;
}

/* Create the maildir folder and its tmp/, new/ and cur/ with mode 0700. */
static int
outbox_make_maildir(const char *dir, char *err, size_t err_size)
{
	static const char *const subs[] = { "", "/tmp", "/new", "/cur" };
	char path[CONFIG_PATH_MAX + 8];

	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", dir, subs[i]);
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			snprintf(err, err_size, "cannot create maildir folder %s: %s", path,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void
outbox_free(struct outbox *ob)
{
	sodium_memzero(ob, sizeof(*ob));
	free(ob);
}

/* Set up what the sender needs before its thread runs. */
static int
outbox_prepare(struct app *app, struct outbox *ob, char *err, size_t err_size)
{
	const struct mfad_config *cfg = &app->cfg;
	char host[sizeof(ob->host)] = "localhost";

	(void)gethostname(host, sizeof(host) - 1);
	outbox_safe_name(host, sizeof(host), ob->host, sizeof(ob->host));
	if (cfg->mail_smtp_url[0] == '\0')
		return outbox_make_maildir(cfg->mail_maildir, err, err_size);
	if (cfg->mail_credentials_file[0] != '\0' &&
	    outbox_read_credentials(ob, cfg->mail_credentials_file, err, err_size) != 0)
		return -1;
	if (cfg->mail_ca_file[0] != '\0' && access(cfg->mail_ca_file, R_OK) != 0) {
		snprintf(err, err_size, "cannot read mail.ca_file %s: %s", cfg->mail_ca_file,
		    strerror(errno));
		return -1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, err_size, "cannot initialize libcurl");
		return -1;
	}
	return 0;
}

int
outbox_start(struct app *app, char *err, size_t err_size)
{
	const struct mfad_config *cfg = &app->cfg;
	pthread_condattr_t attr;
	struct outbox *ob;

	ob = calloc(1, sizeof(*ob));
	if (ob == NULL) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	if (outbox_prepare(app, ob, err, err_size) != 0) {
		outbox_free(ob);
		return -1;
	}
	pthread_mutex_init(&ob->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&ob->cond, &attr);
	pthread_condattr_destroy(&attr);
	app->outbox = ob;
	if (pthread_create(&ob->thread, NULL, outbox_thread, app) != 0) {
		snprintf(err, err_size, "cannot start the mail sender thread");
		app->outbox = NULL;
		pthread_cond_destroy(&ob->cond);
		pthread_mutex_destroy(&ob->lock);
		if (cfg->mail_smtp_url[0] != '\0')
			curl_global_cleanup();
		outbox_free(ob);
		return -1;
	}
	if (cfg->mail_smtp_url[0] == '\0')
		log_info("event=mail_sender_started mode=maildir maildir=%s", cfg->mail_maildir);
	else
		log_info("event=mail_sender_started mode=smtp url=%s starttls=%s auth=%s",
		    cfg->mail_smtp_url, cfg->mail_starttls == CONFIG_STARTTLS_REQUIRED ? "required" :
		    "none", ob->have_credentials ? "yes" : "no");
	return 0;
}

void
outbox_stop(struct app *app)
{
	struct outbox *ob = app->outbox;

	if (ob == NULL)
		return;
	pthread_mutex_lock(&ob->lock);
	atomic_store(&ob->stop, 1);
	pthread_cond_signal(&ob->cond);
	pthread_mutex_unlock(&ob->lock);
	pthread_join(ob->thread, NULL);

	pthread_cond_destroy(&ob->cond);
	pthread_mutex_destroy(&ob->lock);
	if (app->cfg.mail_smtp_url[0] != '\0')
		curl_global_cleanup();
	app->outbox = NULL;
	outbox_free(ob);
	log_info("event=mail_sender_stopped");
}
