package org.bitsearch.search.engine;

import org.bitsearch.search.rng.SplitMix64;

/**
 * The one place seeds are derived. A trial's seed is a pure function of (search seed, trial number); every
 * random choice made for a trial (its proposal, the simulated trainer's noise, a DL4J run's initialisation)
 * derives from it with a purpose-specific salt, so nothing depends on call order, threads or the clock.
 */
public final class Seeds {
    /** Salt of the sampler's generator for a trial's proposal. */
    public static final long SAMPLER = 0x5A3B1E5L;
    /**
     * Salt of the search's design seed ({@link #designSeed}): the generator of proposals that span several trials
     * (NSGA-II's space-filling first generation), shared by every trial of a search.
     */
    public static final long DESIGN = 0xD351_6E5L;

    private Seeds() {}

    /** The seed of trial {@code number} of a search seeded with {@code searchSeed} (SplitMix64 mix). */
    public static long trialSeed(long searchSeed, int number) {
        if (number < 0) throw new IllegalArgumentException("number is " + number + ", but must be >= 0");
        return SplitMix64.mix(SplitMix64.mix(searchSeed) + 0x9E3779B97F4A7C15L * (number + 1L));
    }

    /**
     * The design seed of a search seeded with {@code searchSeed}: a function of the search seed alone, the same for
     * every trial, so a design laid out over several trials (NSGA-II's first generation) is the same whichever trial
     * asks first, in this process or a resumed one.
     */
    public static long designSeed(long searchSeed) { return derive(SplitMix64.mix(searchSeed), DESIGN); }

    /** A seed for one purpose ({@code salt}) derived from {@code seed}. */
    public static long derive(long seed, long salt) {
        return SplitMix64.mix(seed ^ SplitMix64.mix(salt + 0x632BE59BD9B4E019L));
    }

    /** A fresh generator for one purpose derived from {@code seed}. */
    public static SplitMix64 rng(long seed, long salt) { return new SplitMix64(derive(seed, salt)); }
}
