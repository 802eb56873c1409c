// Weka J48 reference runs for scripts/refdata/c45.py (compiled by it, at run time,
// against Debian's weka.jar 3.6.14; no .class file is checked in).
//
//   java -cp weka.jar:DIR J48Reference tree ARFF "OPTIONS" [nodist]
//   java -cp weka.jar:DIR J48Reference cv ARFF "OPTIONS" FOLDS
//
// ARFF is read with ConverterUtils.DataSource, the class is the last attribute.
// `tree` trains J48 with OPTIONS (Utils.splitOptions) on every row and prints one JSON
// object: Weka's version, the header as Weka parsed it (attribute names, nominal values
// in declared order), J48.toString(), measureNumLeaves/measureTreeSize, and per row
// classifyInstance (and the number that equal the row's class) and, unless `nodist`,
// distributionForInstance.
// `cv` reads FOLDS (one integer fold id per row, one per line), trains J48 on the rows
// of every other fold (in row order) and classifies the rows of each fold.
// Doubles of distributions are printed as the 16 hex digits of their IEEE bits, so no
// decimal conversion can change them.

import java.io.BufferedReader;
import java.io.FileReader;
import java.util.ArrayList;
import java.util.List;

import weka.classifiers.trees.J48;
import weka.core.Attribute;
import weka.core.Instances;
import weka.core.Utils;
import weka.core.Version;
import weka.core.converters.ConverterUtils.DataSource;

public class J48Reference {

    static String str(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    static String bits(double d) {
        return "\"" + String.format("%016x", Double.doubleToRawLongBits(d)) + "\"";
    }

    static J48 train(Instances data, String options) throws Exception {
        J48 m = new J48();
        m.setOptions(Utils.splitOptions(options));
        m.buildClassifier(data);
        return m;
    }

    static String header(Instances data) {
        StringBuilder b = new StringBuilder("{\"relation\": " + str(data.relationName()) + ", \"attributes\": [");
        for (int a = 0; a < data.numAttributes(); a++) {
            Attribute at = data.attribute(a);
            if (a > 0) b.append(", ");
            b.append("{\"name\": ").append(str(at.name())).append(", \"type\": ");
            if (at.isNominal()) {
                b.append("\"nominal\", \"values\": [");
                for (int v = 0; v < at.numValues(); v++) {
                    if (v > 0) b.append(", ");
                    b.append(str(at.value(v)));
                }
                b.append("]}");
            } else if (at.isNumeric()) {
                b.append("\"numeric\"}");
            } else {
                throw new IllegalArgumentException("attribute " + at.name() + " is neither nominal nor numeric");
            }
        }
        b.append("], \"n_rows\": ").append(data.numInstances());
        int missing = 0, classMissing = 0;
        for (int i = 0; i < data.numInstances(); i++) {
            for (int a = 0; a < data.numAttributes(); a++)
                if (data.instance(i).isMissing(a)) missing++;
            if (data.instance(i).classIsMissing()) classMissing++;
        }
        b.append(", \"n_missing\": ").append(missing);
        b.append(", \"n_class_missing\": ").append(classMissing).append("}");
        return b.toString();
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Instances data = new DataSource(args[1]).getDataSet();
        data.setClassIndex(data.numAttributes() - 1);
        String options = args[2];
        StringBuilder out = new StringBuilder();
        out.append("{\"weka_version\": ").append(str(Version.VERSION));
        out.append(", \"java_version\": ").append(str(System.getProperty("java.version")));
        out.append(", \"options\": ").append(str(options));
        out.append(", \"header\": ").append(header(data));
        if (mode.equals("tree")) {
            boolean dist = !(args.length > 3 && args[3].equals("nodist"));
            J48 m = train(data, options);
            out.append(", \"to_string\": ").append(str(m.toString()));
            out.append(", \"n_leaves\": ").append((long) m.measureNumLeaves());
            out.append(", \"tree_size\": ").append((long) m.measureTreeSize());
            StringBuilder pred = new StringBuilder();
            StringBuilder dst = new StringBuilder();
            int correct = 0;
            for (int i = 0; i < data.numInstances(); i++) {
                if (i > 0) {
                    pred.append(", ");
                    if (dist) dst.append(", ");
                }
                long c0 = (long) m.classifyInstance(data.instance(i));
                pred.append(c0);
                if (!data.instance(i).classIsMissing() && c0 == (long) data.instance(i).classValue()) correct++;
                if (dist) {
                    double[] p = m.distributionForInstance(data.instance(i));
                    dst.append('[');
                    for (int c = 0; c < p.length; c++) {
                        if (c > 0) dst.append(", ");
                        dst.append(bits(p[c]));
                    }
                    dst.append(']');
                }
            }
            out.append(", \"n_correct\": ").append(correct);
            out.append(", \"predictions\": [").append(pred).append(']');
            if (dist) out.append(", \"distributions\": [").append(dst).append(']');
        } else if (mode.equals("cv")) {
            List<Integer> folds = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new FileReader(args[3]))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (!line.trim().isEmpty()) folds.add(Integer.parseInt(line.trim()));
                }
            }
            if (folds.size() != data.numInstances()) {
                throw new IllegalArgumentException(folds.size() + " fold ids for " + data.numInstances() + " rows");
            }
            int k = 0;
            for (int f : folds) k = Math.max(k, f + 1);
            long[] oof = new long[data.numInstances()];
            StringBuilder per = new StringBuilder();
            for (int f = 0; f < k; f++) {
                Instances tr = new Instances(data, 0);
                for (int i = 0; i < data.numInstances(); i++)
                    if (folds.get(i) != f) tr.add(data.instance(i));
                J48 m = train(tr, options);
                int n = 0, correct = 0;
                for (int i = 0; i < data.numInstances(); i++) {
                    if (folds.get(i) != f) continue;
                    oof[i] = (long) m.classifyInstance(data.instance(i));
                    n++;
                    if (oof[i] == (long) data.instance(i).classValue()) correct++;
                }
                if (f > 0) per.append(", ");
                per.append("{\"fold\": ").append(f).append(", \"n_train\": ").append(tr.numInstances())
                   .append(", \"n_test\": ").append(n).append(", \"n_correct\": ").append(correct)
                   .append(", \"n_leaves\": ").append((long) m.measureNumLeaves())
                   .append(", \"tree_size\": ").append((long) m.measureTreeSize()).append('}');
            }
            out.append(", \"folds\": [").append(per).append(']');
            StringBuilder p = new StringBuilder();
            for (int i = 0; i < oof.length; i++) {
                if (i > 0) p.append(", ");
                p.append(oof[i]);
            }
            out.append(", \"predictions\": [").append(p).append(']');
        } else {
            throw new IllegalArgumentException("mode must be tree or cv, not " + mode);
        }
        out.append('}');
        System.out.println(out);
    }
}
