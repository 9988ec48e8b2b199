package org.bitsearch.search.pruner;

import org.bitsearch.search.rng.SplitMix64;

/**
 * An order-statistics multiset of (score, sequence) keys, ordered by score descending, then sequence ascending
 * (earlier first). A treap with subtree sizes; priorities are a hash of the sequence number, so the shape is
 * deterministic. Insertion returns the new key's rank in expected O(log n).
 */
final class RankTree {
    private static final class Node {
        final double score;
        final long seq;
        final long priority;
        Node left, right;
        int size = 1;

        Node(double score, long seq) {
            this.score = score;
            this.seq = seq;
            this.priority = SplitMix64.mix(seq ^ 0x2545F4914F6CDD1DL);
        }
    }

    private Node root;
    private int rank;

    /** Number of keys. */
    int size() { return root == null ? 0 : root.size; }

    /**
     * Inserts (score, seq) and returns how many keys come before it (0 = best). NaN scores must be mapped by the
     * caller (e.g. to −∞).
     */
    int insert(double score, long seq) {
        rank = 0;
        root = insert(root, new Node(score, seq));
        return rank;
    }

    private static boolean before(Node a, Node b) {
        if (a.score != b.score) return a.score > b.score;
        return a.seq < b.seq;
    }

    private static int size(Node n) { return n == null ? 0 : n.size; }

    private static void update(Node n) { n.size = 1 + size(n.left) + size(n.right); }

    private Node insert(Node t, Node x) {
        if (t == null) return x;
        if (before(x, t)) {
            t.left = insert(t.left, x);
            if (t.left.priority > t.priority) t = rotateRight(t);
        } else {
            rank += size(t.left) + 1;
            t.right = insert(t.right, x);
            if (t.right.priority > t.priority) t = rotateLeft(t);
        }
        update(t);
        return t;
    }

    private static Node rotateRight(Node t) {
        Node l = t.left;
        t.left = l.right;
        l.right = t;
        update(t);
        update(l);
        return l;
    }

    private static Node rotateLeft(Node t) {
        Node r = t.right;
        t.right = r.left;
        r.left = t;
        update(t);
        update(r);
        return r;
    }
}
