package org.bitsearch.trainers.dl4j;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Binds the calling thread to a run's device. For {@code gpu:N} it checks that ND4J runs the CUDA backend
 * (Maven profile {@code cuda}) and has device N, then sets the thread's CUDA device through ND4J's affinity
 * manager; every entry point of a run calls it because the trial actor may call from a different pooled thread
 * each time. {@code cpu:N} names a CPU slot of the device pool and needs no binding.
 *
 * <p>Untested on GPUs: the machines this was written on have none.
 */
public final class DeviceBinding {
    private DeviceBinding() {}

    /**
     * @throws IllegalStateException if a GPU is asked for but the backend is the CPU one or lacks that device
     */
    public static void bind(String device) {
        if (!device.startsWith("gpu:")) return;
        int index = Integer.parseInt(device.substring(4));
        if (Nd4j.getEnvironment().isCPU())
            throw new IllegalStateException("device is " + device + ", but ND4J runs its CPU backend: build with the "
                    + "Maven profile cuda (mvn -Pcuda) on a machine with CUDA 11.6");
        int devices = Nd4j.getAffinityManager().getNumberOfDevices();
        if (index >= devices)
            throw new IllegalStateException("device is " + device + ", but ND4J sees only " + devices + " CUDA device(s)");
        Integer current = Nd4j.getAffinityManager().getDeviceForCurrentThread();
        if (current == null || current != index) Nd4j.getAffinityManager().unsafeSetDevice(index);
    }
}
