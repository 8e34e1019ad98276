/* SPDX-License-Identifier: MIT */
/*
 * metric-table: every metric needle exposes, defined once: name, type,
 * labels and help. Nothing else types a metric's name.
 *
 *   metric-table.h --> metrics.c      renders the exposition from it
 *                  --> cli/stat-cmd.c looks samples up by its keys
 *                  --> bench/         reads the delay histogram by it
 *
 * tests/unit/test-metrics.c renders a pipeline and checks the page against
 * this table both ways (every entry there with its HELP and TYPE, nothing
 * there that the table lacks, each label from its list) and that needle
 * stat finds every sample it shows; tests/unit/test_metric_names.py checks
 * that no other source has a metric name in a string and that README names
 * only metrics of this table, and each of them.
 *
 * Needs nothing but libc: needle stat and needle-bench include it without
 * the daemon's code.
 */
#ifndef NEEDLE_METRIC_TABLE_H
#define NEEDLE_METRIC_TABLE_H

#include <stddef.h>

#define METRIC_TYPES(X)            \
	X(COUNTER, "counter")      \
	X(GAUGE, "gauge")          \
	X(HISTOGRAM, "histogram")

/* Labels whose values are a fixed list, in the order the page shows them.
 * X(id, "value") */
#define METRIC_STAGES(X)                     \
	X(STAGE_NONE, "none")                \
	X(STAGE_KERNEL, "kernel")            \
	X(STAGE_SOCKET, "socket")            \
	X(STAGE_RING, "ring")
#define METRIC_DROP_REASONS(X)               \
	X(REASON_FULL, "full")               \
	X(REASON_REST_OF_EVENT, "rest_of_event")
#define METRIC_RULE_CHANGES(X)               \
	X(CHANGE_ADDED, "added")             \
	X(CHANGE_REMOVED, "removed")
#define METRIC_EVENT_STATES(X)               \
	X(STATE_WHOLE, "whole")              \
	X(STATE_PARTIAL, "partial")          \
	X(STATE_FILTERED, "filtered")
/* What a filter rule did with an event: decode/filter.h's outcomes but
 * "none", in their order (metrics.c checks the names). */
#define METRIC_FILTER_ACTIONS(X)                          \
	X(FILTER_KEEP, "keep")                            \
	X(FILTER_DROP, "drop")                            \
	X(FILTER_DIVERT, "divert")                        \
	X(FILTER_FIRST, "first")                          \
	X(FILTER_REPEAT, "keep-first-per-process")        \
	X(FILTER_RATE, "rate")
/* What became of the events of one rule key (pipeline/keycount.h). */
#define METRIC_KEY_STATES(X)                 \
	X(KEY_WRITTEN, "written")            \
	X(KEY_FILTERED, "filtered")
/* In the order of pipeline_outputs(), then the NATS output, then the
 * filters' divert file (metrics.c checks the count). */
#define METRIC_OUTPUTS(X)                    \
	X(OUTPUT_JSON, "json")               \
	X(OUTPUT_RAW, "raw")                 \
	X(OUTPUT_ENRICHED, "enriched")       \
	X(OUTPUT_STDOUT, "stdout")           \
	X(OUTPUT_NATS, "nats")               \
	X(OUTPUT_DIVERT, "divert")
/* Why the NATS output lost an event (nats-out.h's counters). */
#define METRIC_NATS_LOSS_REASONS(X)          \
	X(NATS_QUEUE_FULL, "queue_full")     \
	X(NATS_SPOOL_FULL, "spool_full")     \
	X(NATS_ERROR, "error")               \
	X(NATS_REFUSED, "refused")
/* Where needle run's log lines went (daemon/say.h). */
#define METRIC_LOG_DESTINATIONS(X)           \
	X(LOG_STDERR, "stderr")              \
	X(LOG_SYSLOG, "syslog")              \
	X(LOG_FILE, "file")                  \
	X(LOG_KMSG, "kmsg")                  \
	X(LOG_LOST, "lost")
#define METRIC_RECORD_CAUSES(X)              \
	X(RECORDS_KERNEL, "kernel")          \
	X(RECORDS_RING, "ring")              \
	X(RECORDS_OVERSIZE, "oversize")      \
	X(RECORDS_LATE, "late")              \
	X(RECORDS_FAILED_DECODER, "failed_decoder")
/* In dispatch.h's order (metrics.c checks the count). */
#define METRIC_PLUGIN_DROP_REASONS(X)        \
	X(PLUGIN_FULL, "full")               \
	X(PLUGIN_DOWN, "down")               \
	X(PLUGIN_STOP, "stop")               \
	X(PLUGIN_ERROR, "error")
#define METRIC_EVENT_CAUSES(X)               \
	X(EVENTS_KERNEL, "kernel")           \
	X(EVENTS_SOCKET, "socket")           \
	X(EVENTS_RING, "ring")               \
	X(EVENTS_PARTIAL, "partial")         \
	X(EVENTS_RESTART, "restart")         \
	X(EVENTS_SINK, "sink")

/* Process events by kind, in enum procconn_what's order (procconn.h),
 * index 0 the events of threads (metrics.c checks the count). */
#define METRIC_PROC_EVENT_KINDS(X)           \
	X(PROC_THREAD, "thread")             \
	X(PROC_FORK, "fork")                 \
	X(PROC_EXEC, "exec")                 \
	X(PROC_UID, "uid")                   \
	X(PROC_GID, "gid")                   \
	X(PROC_SID, "sid")                   \
	X(PROC_COMM, "comm")                 \
	X(PROC_EXIT, "exit")
/* Whether a decoded event's process was found (format.h's known). */
#define METRIC_PROCESS_FOUND(X)              \
	X(PROCESS_KNOWN, "known")            \
	X(PROCESS_UNKNOWN, "unknown")

/* The label sets: X(id, first label, its values, how many, second label,
 * its values, how many). Values NULL: known at run time: a number
 * (shard), a bucket bound (le), a plugin's name (plugin_dir's file
 * without .conf), a filter rule's FILE:LINE (bounded: one per rule line
 * loaded since start, at most FILTERS_ENTRIES, pipeline/filters.h), an
 * audit rule key (bounded: "none", "other" and at most KEYCOUNT_NAMED keys,
 * pipeline/keycount.h; untrusted text, escaped as a JSON string's content,
 * metrics.c). */
#define METRIC_LABEL_SETS(X)                                                               \
	X(NONE, NULL, NULL, 0, NULL, NULL, 0)                                              \
	X(STAGE, "stage", metric_stage_names, METRIC_STAGE_COUNT, NULL, NULL, 0)           \
	X(SHARD, "shard", NULL, 0, NULL, NULL, 0)                                          \
	X(SHARD_REASON, "shard", NULL, 0, "reason", metric_drop_reason_names,              \
	  METRIC_DROP_REASON_COUNT)                                                        \
	X(STATE, "state", metric_event_state_names, METRIC_EVENT_STATE_COUNT, NULL, NULL, 0) \
	X(CHANGE, "change", metric_rule_change_names, METRIC_RULE_CHANGE_COUNT, NULL, NULL, 0) \
	X(OUTPUT, "output", metric_output_names, METRIC_OUTPUT_COUNT, NULL, NULL, 0)       \
	X(RECORD_CAUSE, "cause", metric_record_cause_names, METRIC_RECORD_CAUSE_COUNT, NULL, \
	  NULL, 0)                                                                         \
	X(EVENT_CAUSE, "cause", metric_event_cause_names, METRIC_EVENT_CAUSE_COUNT, NULL,  \
	  NULL, 0)                                                                         \
	X(LOG_TO, "to", metric_log_destination_names, METRIC_LOG_DESTINATION_COUNT, NULL,    \
	  NULL, 0)                                                                         \
	X(LE, "le", NULL, 0, NULL, NULL, 0)                                                \
	X(PLUGIN, "plugin", NULL, 0, NULL, NULL, 0)                                        \
	X(PLUGIN_REASON, "plugin", NULL, 0, "reason", metric_plugin_drop_reason_names,     \
	  METRIC_PLUGIN_DROP_REASON_COUNT)                                                 \
	X(SERVER, "server", NULL, 0, NULL, NULL, 0)                                        \
	X(NATS_REASON, "reason", metric_nats_loss_reason_names, METRIC_NATS_LOSS_REASON_COUNT, \
	  NULL, NULL, 0)                                                                   \
	X(RULE_ACTION, "rule", NULL, 0, "action", metric_filter_action_names,              \
	  METRIC_FILTER_ACTION_COUNT)                                                      \
	X(RULE, "rule", NULL, 0, NULL, NULL, 0)                                            \
	X(KEY, "key", NULL, 0, NULL, NULL, 0)                                              \
	X(PROC_KIND, "kind", metric_proc_event_kind_names, METRIC_PROC_EVENT_KIND_COUNT, NULL, \
	  NULL, 0)                                                                         \
	X(PROCESS_FOUND, "process", metric_process_found_names, METRIC_PROCESS_FOUND_COUNT, NULL, \
	  NULL, 0)                                                                         \
	X(KEY_STATE, "key", NULL, 0, "state", metric_key_state_names, METRIC_KEY_STATE_COUNT)

/*
 * The metrics, in the order the page shows them (stage by stage, as
 * metrics.h lists the stages). X(id, name, type, labels, help)
 * The multicast metrics are needle monitor --multicast's; the kernel's
 * last-interval gauges wait for a second poll; the rest but the kernel's
 * are only there with a pipeline (not in needle monitor).
 */
#define METRIC_TABLE(X)                                                                        \
	X(LOSS_RISK, "needle_loss_risk", GAUGE, STAGE,                                         \
	  "How full the fullest stage is (0 to 1): kernel backlog, socket buffer or ring.")    \
	/* kernel: AUDIT_GET, polled once a second */                                          \
	X(KERNEL_ENABLED, "needle_kernel_enabled", GAUGE, NONE,                                \
	  "Kernel audit enabled (0 off, 1 on, 2 locked).")                                     \
	X(KERNEL_FAILURE, "needle_kernel_failure", GAUGE, NONE,                                \
	  "Kernel audit failure mode (0 silent, 1 printk, 2 panic).")                          \
	X(KERNEL_DAEMON_PID, "needle_kernel_daemon_pid", GAUGE, NONE,                          \
	  "Pid registered as the audit daemon (0: none).")                                     \
	X(KERNEL_RATE_LIMIT, "needle_kernel_rate_limit", GAUGE, NONE,                          \
	  "Kernel audit rate limit, records per second (0: none).")                            \
	X(KERNEL_BACKLOG_LIMIT, "needle_kernel_backlog_limit", GAUGE, NONE,                    \
	  "Kernel audit backlog limit, records.")                                              \
	X(KERNEL_BACKLOG, "needle_kernel_backlog", GAUGE, NONE,                                \
	  "Records waiting in the kernel's audit backlog.")                                    \
	X(KERNEL_LOST_RECORDS, "needle_kernel_lost_records_total", COUNTER, NONE,              \
	  "Records the kernel lost in its lifetime (since boot or auditctl --reset-lost: rate " \
	  "limit, backlog overflow, memory); needle_lost_records_total{cause=\"kernel\"} "     \
	  "counts since needle started.")                                                      \
	X(KERNEL_BACKLOG_WAIT_TIME, "needle_kernel_backlog_wait_time_jiffies", GAUGE, NONE,    \
	  "How long an audited process waits on a full backlog before the kernel drops.")      \
	X(KERNEL_BACKLOG_WAIT_TIME_ACTUAL, "needle_kernel_backlog_wait_time_actual_total",     \
	  COUNTER, NONE,                                                                       \
	  "Time audited processes spent waiting on a full backlog, as the kernel reports it.") \
	X(KERNEL_LOST_RECORDS_LAST, "needle_kernel_lost_records_last_interval", GAUGE, NONE,   \
	  "Records the kernel lost during the last poll interval (1 s).")                      \
	X(KERNEL_BACKLOG_WAIT_TIME_ACTUAL_LAST,                                                \
	  "needle_kernel_backlog_wait_time_actual_last_interval", GAUGE, NONE,                 \
	  "Backlog wait time the kernel reported during the last poll interval (1 s).")        \
	X(KERNEL_BACKLOG_CHANGE_LAST, "needle_kernel_backlog_change_last_interval", GAUGE,     \
	  NONE, "Change of the kernel backlog over the last poll interval (1 s).")             \
	/* needle monitor --multicast: its own reader of the multicast group */                \
	X(MULTICAST_DATAGRAMS, "needle_multicast_datagrams_total", COUNTER, NONE,              \
	  "Datagrams the multicast reader received.")                                          \
	X(MULTICAST_RECORDS, "needle_multicast_records_total", COUNTER, NONE,                  \
	  "Audit records the multicast reader received.")                                      \
	X(MULTICAST_RECEIVED_BYTES, "needle_multicast_received_bytes_total", COUNTER, NONE,    \
	  "Bytes the multicast reader received.")                                              \
	X(MULTICAST_EVENTS, "needle_multicast_events_total", COUNTER, NONE,                    \
	  "Distinct serials (events) the multicast reader saw.")                               \
	X(MULTICAST_OVERRUNS, "needle_multicast_overruns_total", COUNTER, NONE,                \
	  "Receive buffer overruns (ENOBUFS) of the multicast reader: it lost records.")       \
	X(MULTICAST_SERIAL_GAPS, "needle_multicast_serial_gaps_total", COUNTER, NONE,          \
	  "Events the multicast reader never saw (serial gaps), as a slow reader loses them.") \
	X(MULTICAST_RECEIVE_BUFFER, "needle_multicast_receive_buffer_bytes", GAUGE, NONE,      \
	  "Receive buffer the kernel granted the multicast reader.")                           \
	/* needle run's rule watch, every rules_check_interval s (AUDIT_LIST_RULES) */       \
	X(KERNEL_RULES, "needle_kernel_rules", GAUGE, NONE,                                    \
	  "Audit rules the kernel had at the rule watch's last look.")                         \
	X(RULES_CHANGED, "needle_rules_changed_total", COUNTER, CHANGE,                        \
	  "Audit rules another process added to the kernel or removed from it since needle "   \
	  "started, as the rule watch saw them (each one named in needle's log).")             \
	/* needle run itself */                                                                \
	X(START_TIME, "needle_start_time_seconds", GAUGE, NONE,                                \
	  "Unix time this needle opened its pipeline: needle stat's uptime and its rates "     \
	  "since start.")                                                                      \
	/* socket: the listeners, summed over threads */                                       \
	X(SOCKET_RECEIVE_BUFFER, "needle_socket_receive_buffer_bytes", GAUGE, NONE,            \
	  "Receive buffer the kernel granted to the audit socket.")                            \
	X(SOCKET_QUEUED, "needle_socket_queued_bytes", GAUGE, NONE,                            \
	  "Bytes waiting in the audit socket's receive queue.")                                \
	X(SOCKET_DATAGRAMS, "needle_socket_datagrams_total", COUNTER, NONE,                    \
	  "Datagrams received from the audit socket.")                                         \
	X(SOCKET_RECEIVED_BYTES, "needle_socket_received_bytes_total", COUNTER, NONE,          \
	  "Bytes received from the audit socket.")                                             \
	X(SOCKET_RECV_BATCHES, "needle_socket_recv_batches_total", COUNTER, NONE,              \
	  "recvmmsg() calls that returned data.")                                              \
	X(SOCKET_RECORDS, "needle_socket_records_total", COUNTER, NONE,                        \
	  "Audit records passed to the rings.")                                                \
	X(SOCKET_OVERRUNS, "needle_socket_overruns_total", COUNTER, NONE,                      \
	  "Receive buffer overruns (ENOBUFS): records were lost in the socket.")               \
	X(SOCKET_FOREIGN_DATAGRAMS, "needle_socket_foreign_datagrams_total", COUNTER, NONE,    \
	  "Datagrams not from the kernel, dropped.")                                           \
	X(SOCKET_TRUNCATED_DATAGRAMS, "needle_socket_truncated_datagrams_total", COUNTER,      \
	  NONE, "Datagrams larger than the receive buffer.")                                   \
	/* rings, per shard */                                                                 \
	X(RING_OCCUPANCY, "needle_ring_occupancy_bytes", GAUGE, SHARD, "Bytes in the ring now.") \
	X(RING_CAPACITY, "needle_ring_capacity_bytes", GAUGE, SHARD, "Capacity of the ring.")  \
	X(RING_HIGH_WATER, "needle_ring_high_water_bytes", GAUGE, SHARD,                       \
	  "Highest occupancy seen.")                                                           \
	X(RING_FULL_STALLS, "needle_ring_full_stalls_total", COUNTER, SHARD,                   \
	  "Times a listener found the ring full.")                                             \
	X(RING_STALL_SECONDS, "needle_ring_stall_seconds_total", COUNTER, SHARD,               \
	  "Time listeners waited on a full ring.")                                             \
	X(RING_DROPPED_RECORDS, "needle_ring_dropped_records_total", COUNTER, SHARD_REASON,    \
	  "Records dropped (ring_full = drop), by reason: full (no room), rest_of_event "       \
	  "(an earlier record of the event was dropped).")                                     \
	/* decoders, summed over threads */                                                    \
	X(DECODER_RECORDS, "needle_decoder_records_total", COUNTER, NONE,                      \
	  "Records the decoders took from the rings.")                                         \
	X(DECODER_EVENTS, "needle_decoder_events_total", COUNTER, STATE,                       \
	  "Events the decoders ended: whole (written), partial (written or filtered without "  \
	  "their end: timeout, eviction, stop, records lost, too large), filtered (whole "     \
	  "events a filter rule dropped or diverted: not in the main outputs).")               \
	X(DECODER_LATE_RECORDS, "needle_decoder_late_records_total", COUNTER, NONE,            \
	  "Records that reached their event after its EOE.")                                   \
	X(DECODER_LATE_DROPPED, "needle_decoder_late_dropped_records_total", COUNTER, NONE,    \
	  "Records whose event had already been written (after its timeout or eviction): "     \
	  "left out, so that no event id is written twice.")                                   \
	X(DECODER_DROPPED_RECORDS, "needle_decoder_dropped_records_total", COUNTER, NONE,      \
	  "Records dropped from events over the size cap.")                                    \
	X(DECODER_OPEN_EVENTS, "needle_decoder_open_events", GAUGE, NONE,                      \
	  "Events being assembled now.")                                                       \
	X(DECODER_SERIAL_GAPS, "needle_decoder_serial_gaps_total", COUNTER, NONE,              \
	  "Events missing from the kernel's serial sequence since this start: lost after the " \
	  "kernel (socket, or dropped whole by a full ring). Serials missing from before the " \
	  "start are counted apart: needle_lost_events_total{cause=\"restart\"}.")             \
	X(EVENT_DELAY, "needle_event_delay_seconds", HISTOGRAM, LE,                            \
	  "Time from an event's audit timestamp to its formatting by a decoder.")              \
	X(EVENT_DELAY_MAX, "needle_event_delay_max_seconds", GAUGE, NONE,                      \
	  "Longest delay seen since start.")                                                   \
	/* filters (filter_file), per rule line */                                             \
	X(FILTERED_EVENTS, "needle_filtered_events_total", COUNTER, RULE_ACTION,               \
	  "Events each filter rule decided, by rule (FILE:LINE of filter_file; other: past "   \
	  "the table's bound) and what it did: keep, drop, divert, first (keep-first-per-"     \
	  "process: a process's first, written), keep-first-per-process (a repeat, dropped), " \
	  "rate (past rate=, dropped). Counts never go backwards across SIGHUP.")              \
	X(REDACTED_VALUES, "needle_redacted_values_total", COUNTER, RULE,                      \
	  "Secrets each redact rule replaced in command lines (EXECVE arguments, PROCTITLE, "  \
	  "sudo's USER_CMD) "                                                                  \
	  "of events written or diverted, by rule (FILE:LINE of filter_file; other: past the " \
	  "table's bound). Never goes backwards across SIGHUP.")                              \
	/* events by audit rule key: which rule costs what */                                 \
	X(KEY_EVENTS, "needle_key_events_total", COUNTER, KEY_STATE,                           \
	  "Events by audit rule key (the first of an event's keys; none: no key; other: "      \
	  "keys past the first 64 seen, or longer than 100 bytes): written to the main "       \
	  "outputs, or filtered (dropped or diverted by a filter rule).")                      \
	X(KEY_BYTES, "needle_key_bytes_total", COUNTER, KEY,                                   \
	  "Bytes the written events of the key took in the main outputs (JSON, RAW, ENRICHED " \
	  "and stdout lines, before compression).")                                            \
	/* sinks, per output */                                                                \
	X(SINK_EVENTS, "needle_sink_events_total", COUNTER, OUTPUT,                            \
	  "Events written to the output.")                                                     \
	X(SINK_WRITTEN_BYTES, "needle_sink_written_bytes_total", COUNTER, OUTPUT,              \
	  "Bytes written (compressed with lz4).")                                              \
	X(SINK_UNCOMPRESSED_BYTES, "needle_sink_uncompressed_bytes_total", COUNTER, OUTPUT,    \
	  "Bytes before compression.")                                                         \
	X(SINK_WRITE_ERRORS, "needle_sink_write_errors_total", COUNTER, OUTPUT,                \
	  "Failed writes (disk full, I/O error).")                                             \
	X(SINK_LOST_EVENTS, "needle_sink_lost_events_total", COUNTER, OUTPUT,                  \
	  "Events lost in failed writes, or not written while writing was suspended.")         \
	X(SINK_ROTATIONS, "needle_sink_rotations_total", COUNTER, OUTPUT, "Log file rotations.") \
	X(SINK_ROTATION_ERRORS, "needle_sink_rotation_errors_total", COUNTER, OUTPUT,          \
	  "Rotations not done (new file or rename refused); every generation kept, "           \
	  "writing went on to the current file, retried a second later.")                      \
	X(SINK_SYNC_ERRORS, "needle_sink_sync_errors_total", COUNTER, OUTPUT,                  \
	  "fsync or close of a finished file that failed (a late I/O error).")                 \
	X(SINK_UNSYNCED_EVENTS, "needle_sink_unsynced_events_total", COUNTER, OUTPUT,          \
	  "Events in files whose fsync or close failed: at most this many lost.")              \
	X(SINK_SYNCS, "needle_sink_syncs_total", COUNTER, OUTPUT,                              \
	  "fsyncs of the flush policy (flush = incremental or incremental_async: every freq "  \
	  "events).")                                                                          \
	X(SINK_SUSPENDED, "needle_sink_suspended", GAUGE, OUTPUT,                              \
	  "1 while the space policy suspends writing to the output (a *_action = suspend).")   \
	X(SINK_SUSPENDED_EVENTS, "needle_sink_suspended_events_total", COUNTER, OUTPUT,        \
	  "Events not written while writing was suspended; counted in "                        \
	  "needle_sink_lost_events_total too.")                                                \
	X(LOG_DIR_FREE, "needle_log_dir_free_bytes", GAUGE, NONE,                              \
	  "Bytes free in log_dir at the space policy's last check (once a second).")           \
	/* the NATS output (output = nats) and its spool */                                    \
	X(NATS_CONNECTED, "needle_nats_connected", GAUGE, SERVER,                              \
	  "1 while connected to the NATS server named, 0 while not (the label then names the " \
	  "last server, or the first of nats_url).")                                           \
	X(NATS_PUBLISHED, "needle_nats_published_total", COUNTER, NONE,                        \
	  "Messages published to the stream, each resend counted.")                            \
	X(NATS_ACKED, "needle_nats_acked_total", COUNTER, NONE,                                \
	  "Messages the stream acknowledged (stored), duplicates of a resend included.")       \
	X(NATS_DUPLICATES, "needle_nats_duplicates_total", COUNTER, NONE,                      \
	  "Of the acknowledged, resends the stream already had (stored once: same "            \
	  "Nats-Msg-Id within its duplicate window).")                                          \
	X(NATS_FAILED, "needle_nats_failed_total", COUNTER, NONE,                              \
	  "Publishes that failed, were refused, or had no acknowledgement in time: each sent " \
	  "again from the spool.")                                                             \
	X(NATS_PENDING, "needle_nats_pending", GAUGE, NONE,                                    \
	  "Messages sent and not yet acknowledged (at most nats_max_pending).")                \
	X(NATS_RECONNECTS, "needle_nats_reconnects_total", COUNTER, NONE,                      \
	  "Times the connection to the cluster was made again after it broke.")                \
	X(NATS_LAST_ACK_AGE, "needle_nats_last_ack_age_seconds", GAUGE, NONE,                  \
	  "Seconds since the stream's last acknowledgement (since needle started, when none "  \
	  "came yet).")                                                                        \
	X(NATS_LOST_EVENTS, "needle_nats_lost_events_total", COUNTER, NATS_REASON,             \
	  "Events the NATS output lost, by reason: queue_full (the queue to the spool), "       \
	  "spool_full (spool_max), error (memory, a spool write), refused (the stream refused " \
	  "it for good: too large). Their sum is needle_sink_lost_events_total{output=\"nats\"}.") \
	X(SPOOL_BYTES, "needle_spool_bytes", GAUGE, NONE,                                      \
	  "Bytes in the spool (log_dir/spool) of messages not yet acknowledged.")              \
	X(SPOOL_EVENTS, "needle_spool_events", GAUGE, NONE,                                    \
	  "Messages in the spool not yet acknowledged by the stream.")                         \
	X(SPOOL_OLDEST_AGE, "needle_spool_oldest_age_seconds", GAUGE, NONE,                    \
	  "Age of the oldest message in the spool (0: the spool is empty).")                   \
	/* losses by cause since start (metrics.c says how each is measured) */                \
	X(LOST_RECORDS, "needle_lost_records_total", COUNTER, RECORD_CAUSE,                    \
	  "Records lost since needle started, by stage: kernel (its lost counter), ring "      \
	  "(full, ring_full = drop), oversize (events over the size cap), late (their event "  \
	  "was already written), failed_decoder (records for a decoder thread that failed; "   \
	  "needle stops).")                                                                    \
	X(LOST_EVENTS, "needle_lost_events_total", COUNTER, EVENT_CAUSE,                       \
	  "Events lost since needle started, one cause each, each measured on its own. "       \
	  "kernel: the kernel's lost counter since start (it counts records: at most that "    \
	  "many events); socket: serial gaps the rings did not cause (receive buffer "         \
	  "overrun); ring: events a full ring dropped records of; partial: written without "   \
	  "their end (timeout, eviction, stop); restart: serials the kernel used before this " \
	  "needle took over that no log has (no needle ran, or a killed one's buffers); "      \
	  "sink: failed writes and writes suspended for lack of space, summed over outputs, "  \
	  "and events the NATS output lost (needle_nats_lost_events_total).")                  \
	/* plugins, per plugin: not losses of needle's logs (the events are written) */       \
	X(PLUGIN_UP, "needle_plugin_up", GAUGE, PLUGIN,                                        \
	  "1 while the plugin runs and is fed (af_unix: while a reader is connected), else 0.") \
	X(PLUGIN_RECORDS, "needle_plugin_records_total", COUNTER, PLUGIN,                      \
	  "Records written to the plugin (string lines or binary records, EOE included).")    \
	X(PLUGIN_WRITTEN_BYTES, "needle_plugin_written_bytes_total", COUNTER, PLUGIN,          \
	  "Bytes written to the plugin.")                                                      \
	X(PLUGIN_DROPPED_RECORDS, "needle_plugin_dropped_records_total", COUNTER,              \
	  PLUGIN_REASON,                                                                       \
	  "Records the plugin did not get, by reason: full (its queue was full: it reads too " \
	  "slowly), down (not running, restarting or given up; af_unix: no reader), stop "    \
	  "(still queued when needle stopped), error (out of memory). needle's logs have "     \
	  "them all the same.")                                                                \
	X(PLUGIN_QUEUED, "needle_plugin_queued_bytes", GAUGE, PLUGIN,                          \
	  "Bytes waiting in the plugin's queue.")                                              \
	X(PLUGIN_QUEUE_CAPACITY, "needle_plugin_queue_capacity_bytes", GAUGE, PLUGIN,          \
	  "Size of the plugin's queue (plugin_queue_size).")                                   \
	X(PLUGIN_RESTARTS, "needle_plugin_restarts_total", COUNTER, PLUGIN,                    \
	  "Times the plugin was started again after it exited (af_unix: readers that "         \
	  "connected after the first).")                                                       \
	/* the process table (process context on) */                                           \
	X(PROCESS_TABLE_ENTRIES, "needle_process_table_entries", GAUGE, NONE,                  \
	  "Processes in the table now.")                                                       \
	X(PROCESS_TABLE_CAPACITY, "needle_process_table_capacity", GAUGE, NONE,                \
	  "Most processes the table keeps (process_table_size).")                              \
	X(PROCESS_TABLE_BYTES, "needle_process_table_bytes", GAUGE, NONE,                      \
	  "Memory the table's entries take.")                                                  \
	X(PROCESS_TABLE_LOADS, "needle_process_table_loads_total", COUNTER, NONE,              \
	  "Processes read from /proc (at start, and when an event named an unknown pid).")     \
	X(PROCESS_TABLE_LOAD_FAILURES, "needle_process_table_load_failures_total", COUNTER,    \
	  NONE, "Reads from /proc that found the process gone: its events say unknown.")       \
	X(PROCESS_TABLE_FULL, "needle_process_table_full_total", COUNTER, NONE,                \
	  "Processes not added because the table was full (raise process_table_size).")       \
	X(PROCESS_TABLE_EXPIRED, "needle_process_table_expired_total", COUNTER, NONE,          \
	  "Entries removed a while after their process exited.")                              \
	X(PROCESS_TABLE_VERSIONS, "needle_process_table_versions", GAUGE, NONE,                \
	  "Earlier versions kept behind the entries (a process before its exec, a pid's "     \
	  "previous process) for events decoded late.")                                        \
	X(CONTEXT_EVENTS, "needle_context_events_total", COUNTER, PROCESS_FOUND,               \
	  "Decoded events with a process, by whether the table had it at the event's time "   \
	  "(unknown: process_known false in JSON).")                                            \
	/* the kernel's process events (process_events on) */                                  \
	X(PROCESS_EVENTS_FOLLOWED, "needle_process_events_followed", GAUGE, NONE,              \
	  "1 while the proc connector feeds the process table, 0 when it is off or not "       \
	  "available.")                                                                        \
	X(PROCESS_EVENTS, "needle_process_events_total", COUNTER, PROC_KIND,                   \
	  "Process events received from the proc connector, by kind (thread: a thread's "     \
	  "fork or exit, not applied).")                                                       \
	X(PROCESS_SNAPSHOTS, "needle_process_snapshots_total", COUNTER, NONE,                  \
	  "Reads of /proc/PID right after an exec.")                                           \
	X(PROCESS_SNAPSHOTS_GONE, "needle_process_snapshots_gone_total", COUNTER, NONE,        \
	  "Of them, those that found the process gone: its version has its parent's "         \
	  "container and namespaces, and no exe.")                                             \
	X(PROCESS_EVENTS_OVERRUNS, "needle_process_events_overruns_total", COUNTER, NONE,      \
	  "Reads that found the connector's socket overrun (ENOBUFS): the kernel dropped "    \
	  "process events; those processes are read from /proc when met.")                     \
	/* needle run's own log (daemon/say.h) */                                              \
	X(LOG_MESSAGES, "needle_log_messages_total", COUNTER, LOG_TO,                         \
	  "Lines needle logged, by where they went: stderr (foreground, systemd's journal), "  \
	  "syslog (detached), file (log_dir/needle.messages: syslog unreachable), kmsg (the "  \
	  "kernel's log: that file failed too), lost (nowhere).")

#define METRIC_ENUM_(id, ...) METRIC_##id,

enum metric_type { METRIC_TYPES(METRIC_ENUM_) METRIC_TYPE_COUNT };
enum metric_stage { METRIC_STAGES(METRIC_ENUM_) METRIC_STAGE_COUNT };
enum metric_drop_reason { METRIC_DROP_REASONS(METRIC_ENUM_) METRIC_DROP_REASON_COUNT };
enum metric_event_state { METRIC_EVENT_STATES(METRIC_ENUM_) METRIC_EVENT_STATE_COUNT };
enum metric_rule_change { METRIC_RULE_CHANGES(METRIC_ENUM_) METRIC_RULE_CHANGE_COUNT };
enum metric_output { METRIC_OUTPUTS(METRIC_ENUM_) METRIC_OUTPUT_COUNT };
enum metric_log_destination { METRIC_LOG_DESTINATIONS(METRIC_ENUM_) METRIC_LOG_DESTINATION_COUNT };
enum metric_record_cause { METRIC_RECORD_CAUSES(METRIC_ENUM_) METRIC_RECORD_CAUSE_COUNT };
enum metric_event_cause { METRIC_EVENT_CAUSES(METRIC_ENUM_) METRIC_EVENT_CAUSE_COUNT };
enum metric_plugin_drop_reason {
	METRIC_PLUGIN_DROP_REASONS(METRIC_ENUM_) METRIC_PLUGIN_DROP_REASON_COUNT
};
enum metric_nats_loss_reason { METRIC_NATS_LOSS_REASONS(METRIC_ENUM_) METRIC_NATS_LOSS_REASON_COUNT };
enum metric_filter_action { METRIC_FILTER_ACTIONS(METRIC_ENUM_) METRIC_FILTER_ACTION_COUNT };
enum metric_key_state { METRIC_KEY_STATES(METRIC_ENUM_) METRIC_KEY_STATE_COUNT };
enum metric_proc_event_kind { METRIC_PROC_EVENT_KINDS(METRIC_ENUM_) METRIC_PROC_EVENT_KIND_COUNT };
enum metric_process_found { METRIC_PROCESS_FOUND(METRIC_ENUM_) METRIC_PROCESS_FOUND_COUNT };
enum metric { METRIC_TABLE(METRIC_ENUM_) METRIC_COUNT };

#define METRIC_LABELS_ENUM_(id, ...) METRIC_LABELS_##id,
enum metric_labels { METRIC_LABEL_SETS(METRIC_LABELS_ENUM_) METRIC_LABELS_COUNT };

extern const char *const metric_type_names[METRIC_TYPE_COUNT];
extern const char *const metric_stage_names[METRIC_STAGE_COUNT];
extern const char *const metric_drop_reason_names[METRIC_DROP_REASON_COUNT];
extern const char *const metric_event_state_names[METRIC_EVENT_STATE_COUNT];
extern const char *const metric_rule_change_names[METRIC_RULE_CHANGE_COUNT];
extern const char *const metric_output_names[METRIC_OUTPUT_COUNT];
extern const char *const metric_log_destination_names[METRIC_LOG_DESTINATION_COUNT];
extern const char *const metric_record_cause_names[METRIC_RECORD_CAUSE_COUNT];
extern const char *const metric_event_cause_names[METRIC_EVENT_CAUSE_COUNT];
extern const char *const metric_plugin_drop_reason_names[METRIC_PLUGIN_DROP_REASON_COUNT];
extern const char *const metric_nats_loss_reason_names[METRIC_NATS_LOSS_REASON_COUNT];
extern const char *const metric_filter_action_names[METRIC_FILTER_ACTION_COUNT];
extern const char *const metric_key_state_names[METRIC_KEY_STATE_COUNT];
extern const char *const metric_proc_event_kind_names[METRIC_PROC_EVENT_KIND_COUNT];
extern const char *const metric_process_found_names[METRIC_PROCESS_FOUND_COUNT];

struct metric_def {
	const char *name;
	enum metric_type type;
	enum metric_labels labels;
	const char *help;
};
extern const struct metric_def metric_table[METRIC_COUNT];

/* A label set: up to two labels, in the order a key names them; values
 * NULL where they are not a fixed list, count 0 then. */
struct metric_label_set {
	const char *name[2];
	const char *const *values[2];
	size_t count[2];
};
extern const struct metric_label_set metric_label_sets[METRIC_LABELS_COUNT];

/* Long enough for any key of the table (metric_key() says when not). */
#define METRIC_KEY_MAX 400

/* The key of one sample as the page writes it: NAME, or NAME{L1="v1"},
 * or NAME{L1="v1",L2="v2"}, the labels from m's set, as many values as
 * it has labels (the others ignored). Returns what snprintf returns.
 * For a histogram: its _bucket{le="v1"}. */
int metric_key(char *buf, size_t size, enum metric m, const char *v1, const char *v2);

/* A histogram's _sum and _count. */
enum metric_part { METRIC_PART_SUM, METRIC_PART_COUNT };
int metric_part_key(char *buf, size_t size, enum metric m, enum metric_part part);

#endif
