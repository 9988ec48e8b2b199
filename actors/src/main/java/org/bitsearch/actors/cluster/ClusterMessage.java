package org.bitsearch.actors.cluster;

/**
 * Marker of every message that crosses the network between a coordinator and its workers: bound to Pekko's Jackson
 * CBOR serializer ({@code jackson-cbor}) in {@link ClusterSettings#config()}, so no message is ever Java-serialized
 * (Pekko refuses Java serialization by default). Implementations are records of plain values and actor refs.
 */
public interface ClusterMessage {}
