/**
 * More than one machine, through Pekko Cluster (typed): a coordinator (the process that owns H2, the supervisors and
 * the HTTP API) and workers that own no database and offer their device slots.
 *
 * <p>How it fits together:
 * <ul>
 *   <li>A worker runs a {@link org.bitsearch.actors.cluster.TrainerHost}, registered with the Receptionist. The
 *       coordinator's {@link org.bitsearch.actors.cluster.WorkerDirectory} subscribes to the listing, checks each
 *       worker's shared secret, and adds the worker's slots to the coordinator's device pool as
 *       {@code NODE/cpu:N}; when the worker leaves or is downed (Split Brain Resolver, keep-oldest with the
 *       coordinator as the oldest) the slots are retired.</li>
 *   <li>A trial attempt granted a worker's slot still runs its trial actor on the coordinator: the search's trainer
 *       is wrapped in a {@link org.bitsearch.actors.cluster.RoutingTrainer}, whose runs on a worker's slot are
 *       {@link org.bitsearch.actors.cluster.RemoteTrainingRun}s: every call (open, epoch, checkpoint, test accuracy,
 *       export, cancel, close) is a message to the worker's host, which trains with its own trainer on its own data.
 *       So reports are written to H2 and answered by the supervisor exactly as for a local trial, and each epoch's
 *       checkpoint is pulled back to the coordinator (in chunks, bounded memory) before the epoch is reported, which
 *       lets any node resume the trial.</li>
 *   <li>A worker lost mid-epoch makes its runs fail (the attempt is retried on another slot from its last
 *       checkpoint, with the usual retry rules); nothing was reported for the lost epoch, so nothing is lost or
 *       recorded twice.</li>
 * </ul>
 */
package org.bitsearch.actors.cluster;
