/* The notary's answers to each protocol message. */
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attest/attest_json.h"
#include "base/codec.h"
#include "base/host.h"
#include "base/json_bytes.h"
#include "notary/session.h"
#include "notary/workers.h"
#include "tee/notarize.h"
#include "tls/transcript.h" /* TP_TLS_MAX_PRIV */
#include "teeproof/proof.h"

static void fail(tp_session *s, tp_err code, const char *msg)
{
    tp_error e;
    tp_error_set(&e, code, "%s", msg);
    tp_session_fail(s, &e);
}

tp_identity *tp_session_identity(tp_session *s)
{
    if (s->identity == NULL)
        s->identity = tp_notary_identity(s->notary);
    return s->identity;
}

/* Evidence, the attested keys (Ed25519, secp256k1 address) with their window, and the key's signature over this channel's
 * RFC 9266 exporter. A key whose window has ended is not attested (rotation failed). The
 * response's evidence part is encoded once per evidence (tp_identity_attest_response). */
static void handle_attest(tp_session *s)
{
    tp_identity *id = tp_session_identity(s);
    uint8_t exporter[TP_EXPORTER_LEN], msg[TP_CHANNEL_BINDING_MSG_LEN], sig[64];
    tp_error e;
    if (tp_identity_check_time(id, time(NULL), &e) != TP_OK) {
        tp_session_fail(s, &e);
        return;
    }
    if (SSL_export_keying_material(s->ssl, exporter, sizeof(exporter), TP_EXPORTER_LABEL,
                                   strlen(TP_EXPORTER_LABEL), NULL, 0, 0) != 1) {
        fail(s, TP_ERR_CRYPTO, "cannot compute the channel binding");
        return;
    }
    tp_channel_binding_message(exporter, msg);
    tp_buf txt;
    tp_buf_init_public(&txt);
    if (tp_identity_sign(id, msg, sizeof(msg), sig, &e) != TP_OK ||
        tp_identity_attest_response(id, sig, &txt, &e) != TP_OK) {
        tp_session_fail(s, &e);
    } else if (!tp_session_send(s, TP_MSG_ATTEST_RESP, txt.data, txt.len)) {
        fail(s, TP_ERR_NOMEM, "cannot encode the attestation");
    } else {
        s->attested = 1;
    }
    tp_buf_free(&txt);
}

static json_t *parse_json(tp_session *s, const tp_frame *f)
{
    json_t *o = json_loadb((const char *)f->payload, f->len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        fail(s, TP_ERR_PROTOCOL, "message is not a JSON object");
        return NULL;
    }
    return o;
}

/* A tunnel only for a prover that asked who we are, to an allowed port, to a host name the
 * ClientHello's SNI can equal (RFC 6066: no trailing dot). */
static tp_err check_tunnel(tp_session *s, const json_t *jhost, json_int_t port, tp_error *e)
{
    const tp_notary_config *c = &s->notary->cfg;
    const char *host = json_string_value(jhost);
    if (!s->attested)
        return tp_error_set(e, TP_ERR_PROTOCOL, "tunnel requested before attestation");
    if (host == NULL || host[0] == '\0' || strlen(host) > 253 || strlen(host) != json_string_length(jhost) ||
        port < 1 || port > 65535)
        return tp_error_set(e, TP_ERR_PROTOCOL, "tunnel request needs a host name and a port 1-65535");
    /* The host is never echoed: it comes from the prover and may hold any byte. */
    if (host[strlen(host) - 1] == '.')
        return tp_error_set(e, TP_ERR_PROTOCOL, "tunnel host must not end with a dot");
    if (!tp_host_valid(host, strlen(host)))
        return tp_error_set(e, TP_ERR_PROTOCOL,
                            "tunnel host is not a DNS name or an IPv6 literal (letters, digits, '-', '.')");
    if (!tp_target_port_allowed(c->allow_ports, c->n_allow_ports, c->allow_any_port, (uint16_t)port))
        return tp_error_set(e, TP_ERR_FORBIDDEN_PORT,
                            "port %d is not one the notary tunnels to (see --allow-port)", (int)port);
    return TP_OK;
}

static void handle_tunnel(tp_session *s, const tp_frame *f)
{
    if (s->tunnel_used) {
        fail(s, TP_ERR_PROTOCOL, "only one tunnel per session");
        return;
    }
    json_t *o = parse_json(s, f);
    if (o == NULL)
        return;
    const json_t *host = json_object_get(o, "host");
    json_int_t port = json_integer_value(json_object_get(o, "port"));
    tp_error e;
    if (check_tunnel(s, host, port, &e) != TP_OK ||
        tp_relay_open(s, json_string_value(host), (uint16_t)port, &e) != TP_OK)
        tp_session_fail(s, &e);
    json_decref(o);
}

static void handle_data(tp_session *s, const tp_frame *f)
{
    /* The target closed while these bytes (the prover's close_notify, typically) were on
     * their way: the target never sees them, so they are neither relayed nor recorded. */
    if (s->state == TP_SESS_RELAY_DONE)
        return;
    /* Early data (docs/protocol.md, "Early data"): DATA right after TUNNEL_REQ, while the
     * target is resolved and connected, goes through the same recording and gate now; the
     * gate holds the ClientHello (at most TP_TLS_GATE_MAX_HELLO bytes, and nothing after it
     * before the target answered) and tp_relay_flush sends it once connected. */
    int early = s->state == TP_SESS_RESOLVING || s->state == TP_SESS_CONNECTING;
    if (s->state != TP_SESS_TUNNEL && !early) {
        fail(s, TP_ERR_PROTOCOL, "data outside an open tunnel");
        return;
    }
    if (!tp_buf_append(&s->rec_client, f->payload, f->len)) {
        fail(s, TP_ERR_NOMEM, "out of memory recording the tunnel");
        return;
    }
    tp_event_relayed(s, 1, f->len);
    if (tp_relay_within_cap(s))
        tp_relay_from_prover(s, f->payload, f->len);
}

static tp_err read_prove_request(json_t *o, tp_prove_secrets *ps, tp_error *e)
{
    json_t *vars = json_object_get(o, "vars");
    if (!tp_json_get_base64(o, "private_key", &ps->key) || ps->key.len > TP_TLS_MAX_PRIV)
        return tp_error_set(e, TP_ERR_PROTOCOL, "prove request: private_key missing or invalid");
    if (!tp_json_get_base64(o, "commit_seed", &ps->seed) || ps->seed.len != TP_COMMIT_SEED_LEN)
        return tp_error_set(e, TP_ERR_PROTOCOL, "prove request: commit_seed missing or not %d bytes",
                            TP_COMMIT_SEED_LEN);
    if (vars != NULL && !json_is_object(vars))
        return tp_error_set(e, TP_ERR_PROTOCOL, "prove request: vars must be an object");
    ps->vars = calloc(json_object_size(vars) + 1, sizeof(tp_var));
    if (ps->vars == NULL)
        return tp_error_set(e, TP_ERR_NOMEM, NULL);
    const char *name;
    json_t *v;
    json_object_foreach(vars, name, v) {
        if (!json_is_string(v))
            return tp_error_set(e, TP_ERR_VAR, "prove request: variable %s is not a string", name);
        ps->vars[ps->n_vars++] = (tp_var){.name = name, .value = json_string_value(v)};
    }
    return TP_OK;
}

/* Fills the job from the request and moves the session's recordings into it. */
static tp_err prepare_job(tp_session *s, tp_prove_job *job, tp_error *e)
{
    json_t *o = job->request, *jmanifest = json_object_get(o, "manifest");
    const char *manifest = json_string_value(jmanifest);
    if (manifest == NULL)
        return tp_error_set(e, TP_ERR_PROTOCOL, "prove request: manifest missing");
    tp_err rc = read_prove_request(o, &job->secrets, e);
    if (rc != TP_OK)
        return rc;
    tp_prove_job_take_recordings(job, s);
    job->identity = tp_identity_ref(tp_session_identity(s));
    job->vars = (tp_vars){job->secrets.vars, job->secrets.n_vars};
    snprintf(job->tunnel_host, sizeof(job->tunnel_host), "%s", s->target_host);
    job->in = (tp_notarize_input){
        .client_bytes = job->rec_client.data, .client_len = job->rec_client.len,
        .server_bytes = job->rec_server.data, .server_len = job->rec_server.len,
        .tunnel_host = job->tunnel_host, .tunnel_port = s->target_port,
        .manifest_json = manifest, .manifest_len = json_string_length(jmanifest),
        .group = (uint16_t)json_integer_value(json_object_get(o, "group")),
        .private_key = job->secrets.key.data, .private_key_len = job->secrets.key.len,
        .vars = &job->vars, .commit_seed = job->secrets.seed.data,
        .commit_seed_len = job->secrets.seed.len,
        .trust = s->notary->trust, .trust_store_id = s->notary->trust_id,
        .now = time(NULL),
    };
    return TP_OK;
}

/* The replay runs on a worker thread (workers.c); the session waits in TP_SESS_PROVING and
 * reads nothing more from the prover until tp_session_prove_done. */
static void handle_prove(tp_session *s, const tp_frame *f)
{
    if (!s->tunnel_used || s->state == TP_SESS_CONNECTING || s->state == TP_SESS_RESOLVING) {
        fail(s, TP_ERR_PROTOCOL, "prove request before a tunnel was used");
        return;
    }
    tp_relay_close(s); /* the recording ends here */
    json_t *o = parse_json(s, f);
    if (o == NULL)
        return;
    tp_error e;
    tp_prove_job *job = tp_prove_job_new(s->id);
    tp_err rc = job ? TP_OK : tp_error_set(&e, TP_ERR_NOMEM, NULL);
    if (job != NULL) {
        job->request = o;
        o = NULL;
        rc = prepare_job(s, job, &e);
    }
    if (rc == TP_OK) {
        tp_workers_submit(s->notary, job);
        s->state = TP_SESS_PROVING;
        tp_session_charge(s); /* the recordings are the job's now */
        return;
    }
    tp_event_proof(s, rc, &e, 0);
    tp_session_fail(s, &e);
    tp_json_wipe_decref(o);
    tp_prove_job_free(job);
}

void tp_session_prove_done(tp_session *s, tp_prove_job *job)
{
    tp_error e = job->err;
    tp_err rc = job->rc;
    /* The recordings come back for the log line; the session frees them when closing. */
    tp_prove_job_return_recordings(job, s);
    if (rc == TP_OK && !tp_session_send(s, TP_MSG_PROOF, job->proof, job->proof_len))
        rc = tp_error_set(&e, TP_ERR_NOMEM, "cannot send the proof");
    tp_event_proof(s, rc, &e, tp_now_ms() - job->t0); /* one line per decision */
    if (rc == TP_OK)
        s->state = TP_SESS_CLOSING;
    else
        tp_session_fail(s, &e);
}

void tp_session_handle_frame(tp_session *s, const tp_frame *f)
{
    if (s->direct != NULL) { /* a direct session takes nothing after its DIRECT_REQ */
        tp_direct_refuse(s, f);
        return;
    }
    switch (f->type) {
    case TP_MSG_ATTEST_REQ:
        handle_attest(s);
        break;
    case TP_MSG_TUNNEL_REQ:
        handle_tunnel(s, f);
        break;
    case TP_MSG_DATA:
        handle_data(s, f);
        break;
    case TP_MSG_TUNNEL_CLOSE:
        tp_relay_close(s);
        break;
    case TP_MSG_PROVE_REQ:
        handle_prove(s, f);
        break;
    case TP_MSG_DIRECT_REQ:
        tp_direct_start(s, f);
        break;
    default:
        fail(s, TP_ERR_PROTOCOL, "unexpected message from the prover");
    }
}
