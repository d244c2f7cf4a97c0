// The end-to-end acknowledgement between the 'outbox' producer and a consumer with e2e_ack: an
// application-level protocol carried over MQTT, not part of MQTT. After its side effect is done,
// the consuming application publishes a reply on the reply topic whose payload is the message's
// own payload; the producing application, subscribed to that topic, takes the reply as proof the
// message was handled and only then drops it from its outbox.
//
// The payload is the application's message id: the producer application puts a unique id in
// every message, and the reply names it back. Matching replies, and recognising duplicates, by
// that id is application identity, which real applications have and use; it is not the ghost
// misuse models/ghost.ts forbids (a *broker* or *library* keyed on payload would prove guarantees
// MQTT does not give). The harness's ghost tag is that id (ghostPayload), which also keeps the
// phase tracker (src/sim/phases.ts), which reads every PUBLISH payload with ghostOf, working.

/** The reply topic: a sub-topic of the message topic, so a subscription to the topic itself (no wildcard) never receives replies. */
export function e2eAckTopic(topic: string): string {
  return `${topic}/ack`;
}
