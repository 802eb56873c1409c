// The JVM side of the Weka J48 peer (scripts/bench/peers_c45.py), compiled by it at run
// time against weka.jar (Debian's weka 3.6.14) into <target>/bench/java/.
//
// One JVM per peers.py process. It reads commands on stdin, one per line, fields
// separated by tabs, and answers each with one line of JSON on stdout ({"error": ...}
// when a command fails):
//
//   load X.npy y.npy TRAIN_IDX.npy|- TEST_IDX.npy|- OPTIONS
//       reads the shared .npy inputs (float64 X, int64 y and indices; "-" = all rows),
//       builds the train and test Instances (numeric attributes x0.., a nominal class
//       "0".."k-1" with k = max(y) + 1, unit weights) and keeps J48's options.
//   warmup SECONDS MIN_CALLS
//       untimed: fit + predict pairs until both bounds are reached (JIT compilation,
//       class loading and heap sizing happen here, not in the timed steps).
//   time fit|predict REPS
//       the timing rule of benches/src/timing.rs and peers.py time_step: the first call
//       calibrates; if it took >= 0.2 s it is repetition 1 and REPS - 1 more follow (none
//       if it took > 20 s); otherwise REPS loops of ceil(0.2 s / first) calls (at most
//       10000) and the per-call time. System.gc() before each repetition, as peers.py
//       runs gc.collect(). CPU seconds are the JVM's (all threads: JIT and GC included),
//       peak RSS is the JVM's VmHWM after resetting it through /proc/self/clear_refs.
//       fit = a fresh J48 with the options, buildClassifier(train); predict =
//       classifyInstance of every test row with the last fitted tree.
//   quality
//       measureNumLeaves, measureTreeSize and the last predictions.
//   quit

import java.io.BufferedReader;
import java.io.FileWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import weka.classifiers.trees.J48;
import weka.core.Attribute;
import weka.core.FastVector;
import weka.core.Instance;
import weka.core.Instances;
import weka.core.Utils;
import weka.core.Version;

public class J48Bench {

    static final double MIN_TIME_S = 0.2, SLOW_S = 20.0;
    static final int MAX_NUMBER = 10000;
    static final double USER_HZ = 100.0;

    static Instances train, test;
    static String options;
    static J48 model;
    static int[] predictions;

    // ---- .npy (v1/v2/v3, little-endian f8 or i8, C order) ----
    static final class Npy {
        long[] shape;
        double[] f;
        long[] i;
    }

    static Npy readNpy(String path) throws IOException {
        byte[] all = Files.readAllBytes(Paths.get(path));
        if (all.length < 10 || (all[0] & 0xff) != 0x93 || all[1] != 'N') throw new IOException(path + " is not .npy");
        int major = all[6];
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int hlen, start;
        if (major == 1) {
            hlen = bb.getShort(8) & 0xffff;
            start = 10;
        } else {
            hlen = bb.getInt(8);
            start = 12;
        }
        String h = new String(all, start, hlen, "latin1");
        int off = start + hlen;
        if (!h.contains("'fortran_order': False")) throw new IOException(path + ": not C order");
        String descr = h.replaceAll("(?s).*'descr':\\s*'([^']*)'.*", "$1");
        String shp = h.replaceAll("(?s).*'shape':\\s*\\(([^)]*)\\).*", "$1");
        List<Long> dims = new ArrayList<>();
        for (String s : shp.split(",")) if (!s.trim().isEmpty()) dims.add(Long.parseLong(s.trim()));
        Npy n = new Npy();
        n.shape = new long[dims.size()];
        long count = 1;
        for (int k = 0; k < dims.size(); k++) {
            n.shape[k] = dims.get(k);
            count *= dims.get(k);
        }
        bb.position(off);
        if (descr.equals("<f8")) {
            n.f = new double[(int) count];
            bb.asDoubleBuffer().get(n.f);
        } else if (descr.equals("<i8")) {
            n.i = new long[(int) count];
            bb.asLongBuffer().get(n.i);
        } else {
            throw new IOException(path + ": dtype " + descr + " (need <f8 or <i8)");
        }
        return n;
    }

    static Instances rows(String name, Npy X, long[] y, int k, long[] idx) {
        int n = (int) X.shape[0], d = (int) X.shape[1];
        FastVector atts = new FastVector(d + 1);
        for (int j = 0; j < d; j++) atts.addElement(new Attribute("x" + j));
        FastVector cls = new FastVector(k);
        for (int c = 0; c < k; c++) cls.addElement(Integer.toString(c));
        atts.addElement(new Attribute("class", cls));
        int m = idx == null ? n : idx.length;
        Instances data = new Instances(name, atts, m);
        data.setClassIndex(d);
        for (int r = 0; r < m; r++) {
            int i = idx == null ? r : (int) idx[r];
            double[] v = new double[d + 1];
            System.arraycopy(X.f, i * d, v, 0, d);
            v[d] = y[i];
            data.add(new Instance(1.0, v));
        }
        return data;
    }

    // ---- the steps ----
    static void fit() throws Exception {
        model = null;
        J48 m = new J48();
        m.setOptions(Utils.splitOptions(options));
        m.buildClassifier(train);
        model = m;
    }

    static void predict() throws Exception {
        int[] p = new int[test.numInstances()];
        for (int i = 0; i < p.length; i++) p[i] = (int) model.classifyInstance(test.instance(i));
        predictions = p;
    }

    static void step(String which) throws Exception {
        if (which.equals("fit")) fit();
        else if (which.equals("predict")) predict();
        else throw new IllegalArgumentException("unknown step " + which);
    }

    // ---- /proc figures ----
    static final com.sun.management.OperatingSystemMXBean OS =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    static double cpuS() {
        return OS.getProcessCpuTime() / 1e9;
    }

    static Long statusKb(String field) {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
                if (line.startsWith(field + ":")) return Long.parseLong(line.split("\\s+")[1]);
            }
        } catch (IOException | RuntimeException e) {
            // not on Linux: no figure
        }
        return null;
    }

    static boolean resetHwm() {
        try (FileWriter w = new FileWriter("/proc/self/clear_refs")) {
            w.write("5");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static double[] machineBusy() {
        try (BufferedReader r = Files.newBufferedReader(Paths.get("/proc/stat"))) {
            String[] f = r.readLine().trim().split("\\s+");
            double[] v = new double[8];
            for (int k = 0; k < 8 && k + 1 < f.length; k++) v[k] = Double.parseDouble(f[k + 1]);
            return new double[] {(v[0] + v[1] + v[2] + v[5] + v[6]) / USER_HZ, v[7] / USER_HZ};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    static double[] calls(String which, int n) throws Exception {
        double c0 = cpuS();
        long t0 = System.nanoTime();
        for (int k = 0; k < n; k++) step(which);
        double wall = (System.nanoTime() - t0) / 1e9;
        return new double[] {wall / n, (cpuS() - c0) / n};
    }

    static String time(String which, int reps) throws Exception {
        reps = Math.max(1, reps);
        System.gc();
        boolean hwmOk = resetHwm();
        Long base = statusKb("VmRSS");
        double[] m0 = machineBusy();
        long tAll = System.nanoTime();
        double cAll = cpuS();
        double[] first = calls(which, 1);
        List<Double> walls = new ArrayList<>(), cpus = new ArrayList<>();
        int number;
        if (first[0] >= MIN_TIME_S) {
            number = 1;
            walls.add(first[0]);
            cpus.add(first[1]);
            if (first[0] <= SLOW_S) {
                for (int r = 1; r < reps; r++) {
                    System.gc();
                    double[] wc = calls(which, 1);
                    walls.add(wc[0]);
                    cpus.add(wc[1]);
                }
            }
        } else {
            number = (int) Math.min(MAX_NUMBER, Math.max(1, Math.ceil(MIN_TIME_S / Math.max(first[0], 1e-7))));
            for (int r = 0; r < reps; r++) {
                System.gc();
                double[] wc = calls(which, number);
                walls.add(wc[0]);
                cpus.add(wc[1]);
            }
        }
        Long peak = statusKb("VmHWM");
        double wall = (System.nanoTime() - tAll) / 1e9;
        double own = cpuS() - cAll;
        double[] m1 = machineBusy();
        String foreign = "null";
        if (m0 != null && m1 != null && wall > 0) {
            foreign = Double.toString((Math.max(0.0, m1[0] - m0[0] - own) + Math.max(0.0, m1[1] - m0[1])) / wall);
        }
        return "{\"walls\": " + walls + ", \"cpus\": " + cpus + ", \"number\": " + number
            + ", \"peak_rss_kb\": " + (hwmOk ? peak : null) + ", \"base_rss_kb\": " + base
            + ", \"foreign_cores\": " + foreign + "}";
    }

    static String handle(String line) throws Exception {
        String[] a = line.split("\t", -1);
        switch (a[0]) {
            case "load": {
                Npy X = readNpy(a[1]);
                long[] y = readNpy(a[2]).i;
                long[] tr = a[3].equals("-") ? null : readNpy(a[3]).i;
                long[] te = a[4].equals("-") ? null : readNpy(a[4]).i;
                options = a[5];
                int k = 0;
                for (long v : y) k = (int) Math.max(k, v + 1);
                train = rows("train", X, y, k, tr);
                test = rows("test", X, y, k, te);
                return "{\"n_train\": " + train.numInstances() + ", \"n_test\": " + test.numInstances()
                    + ", \"n_features\": " + X.shape[1] + ", \"n_classes\": " + k
                    + ", \"options\": \"" + options + "\", \"weka\": \"" + Version.VERSION
                    + "\", \"java\": \"" + System.getProperty("java.version") + "\"}";
            }
            case "warmup": {
                double seconds = Double.parseDouble(a[1]);
                int minCalls = Integer.parseInt(a[2]);
                long t0 = System.nanoTime();
                int n = 0;
                double firstFit = 0;
                while (n < minCalls || (System.nanoTime() - t0) / 1e9 < seconds) {
                    long t1 = System.nanoTime();
                    fit();
                    if (n == 0) firstFit = (System.nanoTime() - t1) / 1e9;
                    predict();
                    n++;
                }
                return "{\"pairs\": " + n + ", \"seconds\": " + (System.nanoTime() - t0) / 1e9
                    + ", \"first_fit_s\": " + firstFit + "}";
            }
            case "time":
                return time(a[1], Integer.parseInt(a[2]));
            case "quality": {
                StringBuilder p = new StringBuilder("[");
                for (int i = 0; i < predictions.length; i++) p.append(i > 0 ? "," : "").append(predictions[i]);
                return "{\"n_leaves\": " + (long) model.measureNumLeaves() + ", \"tree_size\": "
                    + (long) model.measureTreeSize() + ", \"predictions\": " + p.append(']') + "}";
            }
            default:
                throw new IllegalArgumentException("unknown command " + a[0]);
        }
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.trim().equals("quit")) break;
            String reply;
            try {
                reply = handle(line);
            } catch (Exception | OutOfMemoryError e) {
                reply = "{\"error\": \"" + (e.toString()).replace("\\", "\\\\").replace("\"", "'") + "\"}";
            }
            System.out.println(reply);
            System.out.flush();
        }
    }
}
