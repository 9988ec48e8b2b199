package org.bitsearch.search.trial;

/** A pruner's answer to one epoch report. */
public enum Decision { CONTINUE, STOP }
