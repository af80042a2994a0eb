package io.fedarch.core.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.algorithms.fednas.FedNas;
import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.DerivedArchitecture;
import io.fedarch.core.darts.DerivedOptions;
import io.fedarch.core.darts.Genotype;
import io.fedarch.core.darts.GenotypeMetrics;
import io.fedarch.core.darts.RandomGenotypes;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.federation.InProcessFederation;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.train.Evaluator;
import io.fedarch.core.train.Metrics;
import io.fedarch.events.DataSpec;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelSpec;
import io.fedarch.events.PartitionScheme;
import io.fedarch.events.PartitionSpec;

/**
 * The NAS evaluation protocol (issue 17), in process on the federation engine the services run:
 * per seed, (1) FedNAS searches a supernet sized for the budget, (2) the derived genotype is built
 * at the evaluation size (more channels and cells than the supernet, as DARTS and FedNAS do) and
 * trained from scratch with FedAvg for R rounds on all training images, (3) a hand-designed CNN of
 * matched MACs (± 20 %), (4) random architectures of the same space and (5) a hand-designed cell
 * network of the same operations ({@link HandDesignedCell}, with BN, which fedarch's CNN lacks) are
 * trained identically. {@code methods} picks which run (a method without "searched" skips the search;
 * "cnn" needs it, for the MACs it matches; {@code baselines=false} is short for {@code methods=searched}).
 * The learning rates are chosen on the first seed from one grid by the clients' validation
 * accuracy in a tuning proxy (the same training on fewer images and rounds: the full one costs
 * minutes per run here): the CNN's and the hand-designed cell's each on its own, the DARTS-space
 * networks' on the searched one, which
 * the random architectures then share (they are trained exactly as it is); later seeds reuse them.
 * <p>
 * Besides the protocol, each search's own product is measured: the genotype's network at the
 * supernet's size with the weights it inherits, on the test set as inherited, after a federated
 * BN statistics pass, and after fine-tuning rounds with and without that pass.
 * <p>
 * Settings are system properties (defaults in {@link Settings#read}); every finished training
 * appends one row to {@code OUT/runs.csv}, so an interrupted run keeps what it measured.
 * Usage: {@code SearchProtocol OUT}; {@code bench/search-protocol.sh} builds and runs it.
 */
public final class SearchProtocol {
    static final String SEARCHED = "searched";
    static final String HAND_DESIGNED = "hand-designed";
    static final String CNN = "cnn";
    static final String RANDOM = "random";

    /** Everything the protocol is configured by; printed into the output directory as settings.txt. */
    record Settings(List<Long> seeds, int clients, double dirichlet, int trainLimit, int testLimit,
                    Map<String, String> supernet, int searchTrainLimit, int searchRounds, double searchRate,
                    double archRate, int warmupRounds, int evalChannels, int evalLayers, int evalRounds,
                    int evalEpochs, List<Double> rateGrid, int randomSamples, int fineTuneRounds, int batch,
                    int evalBatch, int tuneTrainLimit, int tuneRounds, Double dartsRate, Double cnnRate,
                    Double handDesignedRate, List<String> methods) {
        static final List<String> METHODS = List.of(SEARCHED, HAND_DESIGNED, CNN, RANDOM);

        static Settings read() {
            Map<String, String> supernet = new LinkedHashMap<>();
            supernet.put("channels", prop("supernetChannels", "4"));
            supernet.put("layers", prop("supernetLayers", "3"));
            supernet.put("stemStride", "2");
            supernet.put("partialChannels", prop("partialChannels", "1"));
            supernet.put("maxParameterFree", prop("maxParameterFree", "2"));
            List<Long> seeds = new ArrayList<>();
            for (String s : prop("seeds", "42,7,1234").split(",")) {
                seeds.add(Long.parseLong(s.trim()));
            }
            List<String> methods = Boolean.parseBoolean(prop("baselines", "true"))
                    ? List.of(prop("methods", String.join(",", METHODS)).split(",")).stream().map(String::trim).toList()
                    : List.of(SEARCHED);
            if (!METHODS.containsAll(methods) || (methods.contains(CNN) && !methods.contains(SEARCHED))) {
                throw new IllegalArgumentException("methods " + methods + ": expected some of " + METHODS
                        + ", with " + SEARCHED + " whenever " + CNN + " (it matches the searched network's MACs)");
            }
            List<Double> grid = new ArrayList<>();
            for (String s : prop("rateGrid", "0.05,0.1,0.2").split(",")) {
                grid.add(Double.parseDouble(s.trim()));
            }
            return new Settings(seeds, Integer.parseInt(prop("clients", "10")),
                    Double.parseDouble(prop("dirichlet", "0.5")), Integer.parseInt(prop("trainLimit", "0")),
                    Integer.parseInt(prop("testLimit", "0")), supernet,
                    Integer.parseInt(prop("searchTrainLimit", "6000")), Integer.parseInt(prop("searchRounds", "4")),
                    Double.parseDouble(prop("searchRate", "0.025")), Double.parseDouble(prop("archRate", "0.003")),
                    Integer.parseInt(prop("warmupRounds", "2")), Integer.parseInt(prop("evalChannels", "8")),
                    Integer.parseInt(prop("evalLayers", "5")), Integer.parseInt(prop("evalRounds", "2")),
                    Integer.parseInt(prop("evalEpochs", "1")), grid, Integer.parseInt(prop("randomSamples", "3")),
                    Integer.parseInt(prop("fineTuneRounds", "1")), Integer.parseInt(prop("batch", "64")),
                    Integer.parseInt(prop("evalBatch", "256")), Integer.parseInt(prop("tuneTrainLimit", "6000")),
                    Integer.parseInt(prop("tuneRounds", "1")), rate("dartsRate"), rate("cnnRate"),
                    rate("handDesignedRate"), methods);
        }

        /** A learning rate fixed on the command line (no tuning), or null. */
        private static Double rate(String name) {
            String value = System.getProperty(name);
            return value == null ? null : Double.parseDouble(value);
        }

        private static String prop(String name, String fallback) {
            return System.getProperty(name, fallback);
        }
    }

    private final Settings settings;
    private final Path out;
    private final ShardProvider shards = ShardProvider.withDefaults();

    private SearchProtocol(Settings settings, Path out) {
        this.settings = settings;
        this.out = out;
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "bench/results/search-protocol");
        Files.createDirectories(out);
        Settings settings = Settings.read();
        Files.writeString(out.resolve("settings.txt"), settings.toString().replace(", ", ",\n  ") + "\n");
        new SearchProtocol(settings, out).run();
    }

    /**
     * Per seed: search, derive, train the searched network, then the baselines among {@code methods}:
     * the hand-designed cell network, the matched CNN, the random architectures. Learning rates given
     * as dartsRate/cnnRate/handDesignedRate skip the tuning: an ablation run reuses the protocol's.
     */
    private void run() {
        Double darts = settings.dartsRate();
        Double cnn = settings.cnnRate();
        Double handDesigned = settings.handDesignedRate();
        List<String> methods = settings.methods();
        for (long seed : settings.seeds()) {
            JobSpec search = searchSpec(seed);
            DartsOptions options = DartsFamily.options(search.getModel());
            long searchedMacs = 0;
            if (methods.contains(SEARCHED)) {
                long start = System.nanoTime();
                InProcessFederation.Result searched = new InProcessFederation(new FedNas(), shards)
                        .run(search, null, 0, r -> log("seed %d search round %d: %.1f s, train loss %.3f, global val acc %.4f",
                                seed, r.round(), r.millis() / 1000.0, r.trainLoss(), r.globalValidationAccuracy()));
                double searchSeconds = (System.nanoTime() - start) / 1e9;
                DerivedArchitecture product = (DerivedArchitecture) new FedNas().afterSearch(search, searched.model(),
                        searched.lastState());
                Genotype genotype = product.genotype();
                log("seed %d: searched in %.0f s: %s", seed, searchSeconds, genotype.toJson());
                inheritedProduct(seed, search, product, searchSeconds);

                ModelSpec searchedNet = evaluationNetwork(genotype);
                searchedMacs = ModelSummary.of(searchedNet).macs();
                if (darts == null) {
                    darts = tune(seed, SEARCHED, searchedNet);
                }
                train(seed, SEARCHED, searchedNet, genotype, darts, searchSeconds);
            }
            if (methods.contains(HAND_DESIGNED)) {
                Genotype hand = HandDesignedCell.genotype();
                ModelSpec handNet = evaluationNetwork(hand);
                if (handDesigned == null) {
                    handDesigned = tune(seed, HAND_DESIGNED, handNet);
                }
                train(seed, HAND_DESIGNED, handNet, hand, handDesigned, 0);
            }
            if (methods.contains(CNN)) {
                ModelSpec matchedCnn = MatchedCnn.forMacs(searchedMacs);
                if (cnn == null) {
                    cnn = tune(seed, CNN, matchedCnn);
                }
                train(seed, CNN, matchedCnn, null, cnn, 0);
            }
            if (methods.contains(RANDOM)) {
                if (darts == null) {
                    throw new IllegalArgumentException("random architectures share the searched network's learning"
                            + " rate: give dartsRate when methods has no " + SEARCHED);
                }
                for (int i = 0; i < settings.randomSamples(); i++) {
                    Genotype random = RandomGenotypes.sample(options, seed * 100 + i);
                    train(seed, RANDOM + "-" + i, evaluationNetwork(random), random, darts, 0);
                }
            }
        }
    }

    /**
     * The learning rate of the grid with the best validation accuracy in the tuning proxy (the same
     * training on tuneTrainLimit images for tuneRounds rounds); every grid run goes to tuning.csv.
     */
    private double tune(long seed, String method, ModelSpec model) {
        int best = 0;
        List<Trained> runs = new ArrayList<>();
        for (double rate : settings.rateGrid()) {
            runs.add(trainOnly(seed, model, rate, settings.tuneTrainLimit(), settings.tuneRounds()));
            if (runs.get(runs.size() - 1).validation() > runs.get(best).validation()) {
                best = runs.size() - 1;
            }
        }
        for (int i = 0; i < runs.size(); i++) {
            appendTo("tuning.csv", "seed,method,learning_rate,chosen,train_images,rounds,train_s,validation_acc,test_acc",
                    String.format(Locale.ROOT, "%d,%s,%s,%s,%d,%d,%.1f,%.4f,%.4f", seed, method, settings.rateGrid().get(i),
                            i == best, settings.tuneTrainLimit(), settings.tuneRounds(), runs.get(i).seconds(),
                            runs.get(i).validation(), runs.get(i).test()));
        }
        log("seed %d %s: learning rate %s chosen on validation (%.4f)", seed, method, settings.rateGrid().get(best),
                runs.get(best).validation());
        return settings.rateGrid().get(best);
    }

    private void train(long seed, String method, ModelSpec model, Genotype genotype, double rate, double searchSeconds) {
        Trained t = trainOnly(seed, model, rate, settings.trainLimit(), settings.evalRounds());
        append(row(seed, method, model, genotype, rate, searchSeconds, t));
    }

    /** @param validation the final model on every client's validation split (weighted by its size) */
    record Trained(double test, double validation, double seconds, List<Double> roundTest) {
    }

    /**
     * FedAvg from scratch, every client every round, the test set evaluated each round; then one more
     * round, a federated BN statistics pass over the trained model (pooled statistics of the final
     * weights: the clients' averaged running statistics fit none of them under non-IID data). For
     * the CNN, which has no BN, that round changes nothing; every method gets it, so all are trained alike.
     */
    private Trained trainOnly(long seed, ModelSpec model, double rate, int trainLimit, int rounds) {
        JobSpec spec = JobSpec.newBuilder()
                .setAlgorithm(FedAvg.NAME).setModel(model).setData(data(trainLimit))
                .setTotalClients(settings.clients()).setClientsPerRound(settings.clients())
                .setHyperParameters(Map.of(FedAvg.FINAL_STATISTICS_PASS, "1"))
                .setRounds(rounds + 1).setLocalEpochs(settings.evalEpochs()).setBatchSize(settings.evalBatch())
                .setLearningRate(rate).setMomentum(0.9).setWeightDecay(3e-4).setSeed(seed).build();
        ImageDataset test = shards.testSet(spec);
        long start = System.nanoTime();
        List<Double> perRound = new ArrayList<>();
        InProcessFederation.Result result = new InProcessFederation(new FedAvg(), shards).run(spec, test, 1, r -> {
            perRound.add(r.test().accuracy());
            log("  %s lr %s round %d: %.1f s, test acc %.4f", model.getFamily(), rate, r.round(), r.millis() / 1000.0,
                    r.test().accuracy());
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Trained(result.last().test().accuracy(), validation(spec, result.model()), seconds, perRound);
    }

    private double validation(JobSpec spec, ModelParameters model) {
        long hits = 0;
        long seen = 0;
        for (int c = 0; c < spec.getTotalClients(); c++) {
            Metrics m = Evaluator.evaluate(spec.getModel(), model, shards.shard(spec, c).validation(), Evaluator.DEFAULT_BATCH);
            hits += Math.round(m.accuracy() * m.samples());
            seen += m.samples();
        }
        return (double) hits / seen;
    }

    /**
     * The search's own product at the supernet's size: inherited weights as they are, after a federated
     * BN statistics pass, and fine-tuned for fineTuneRounds with and without the pass. Recorded in inherited.csv.
     */
    private void inheritedProduct(long seed, JobSpec search, DerivedArchitecture product, double searchSeconds) {
        if (settings.fineTuneRounds() <= 0 || DartsFamily.options(search.getModel()).partialChannels() > 1) {
            return;
        }
        ImageDataset test = shards.testSet(search);
        double asInherited = Evaluator.evaluate(product.derived(), product.inherited(), test, Evaluator.DEFAULT_BATCH)
                .accuracy();
        double[] afterPass = new double[1];
        List<String> figures = new ArrayList<>();
        for (boolean pass : new boolean[] {false, true}) {
            int rounds = settings.fineTuneRounds() + (pass ? 1 : 0);
            JobSpec tune = JobSpec.newBuilder(search).setAlgorithm(FedAvg.NAME).setModel(product.derived())
                    .setRounds(rounds).setLearningRate(search.getLearningRate()).setPersonalizationEpochs(0)
                    .setHyperParameters(pass ? Map.of(FedAvg.STATISTICS_PASS, "1") : Map.of()).build();
            long start = System.nanoTime();
            InProcessFederation.Result tuned = new InProcessFederation(new FedAvg(), shards).run(tune, test, 1, r -> {
                if (pass && r.round() == 1) {
                    afterPass[0] = r.test().accuracy();
                }
            }, product.inherited());
            figures.add(String.format(Locale.ROOT, "%.4f,%.1f", tuned.last().test().accuracy(),
                    (System.nanoTime() - start) / 1e9));
        }
        log("seed %d inherited network: %.4f as inherited, %.4f after the statistics pass; fine-tuned %s / %s",
                seed, asInherited, afterPass[0], figures.get(0), figures.get(1));
        appendTo("inherited.csv", "seed,as_inherited,after_statistics_pass,fine_tuned_without_pass,seconds_without,"
                        + "fine_tuned_with_pass,seconds_with,fine_tune_rounds",
                String.format(Locale.ROOT, "%d,%.4f,%.4f,%s,%s,%d", seed, asInherited, afterPass[0], figures.get(0),
                        figures.get(1), settings.fineTuneRounds()));
    }

    private JobSpec searchSpec(long seed) {
        return JobSpec.newBuilder()
                .setAlgorithm(FedNas.NAME)
                .setModel(ModelSpec.newBuilder().setFamily(DartsFamily.NAME).setOptions(settings.supernet()).build())
                .setData(DataSpec.newBuilder().setTrainLimit(limit(settings.searchTrainLimit()))
                        .setTestLimit(limit(settings.testLimit()))
                        .setPartition(PartitionSpec.newBuilder().setScheme(PartitionScheme.DIRICHLET)
                                .setDirichletAlpha(settings.dirichlet()).setValidationFraction(0.3).build()).build())
                .setTotalClients(settings.clients()).setClientsPerRound(settings.clients())
                .setRounds(settings.searchRounds()).setLocalEpochs(1).setBatchSize(settings.batch())
                .setLearningRate(settings.searchRate()).setMomentum(0.9).setWeightDecay(3e-4)
                .setArchLearningRate(settings.archRate()).setSeed(seed)
                .setHyperParameters(Map.of(FedNas.WARMUP_ROUNDS, Integer.toString(settings.warmupRounds()),
                        FedNas.FINE_TUNE_ROUNDS, Integer.toString(Math.max(1, settings.fineTuneRounds()))))
                .build();
    }

    private DataSpec data(int trainLimit) {
        return DataSpec.newBuilder().setTrainLimit(limit(trainLimit)).setTestLimit(limit(settings.testLimit()))
                .setPartition(PartitionSpec.newBuilder().setScheme(PartitionScheme.DIRICHLET)
                        .setDirichletAlpha(settings.dirichlet()).setValidationFraction(0.1).build()).build();
    }

    /** 0 = every image (the spec's null). */
    private static Integer limit(int images) {
        return images > 0 ? images : null;
    }

    private ModelSpec evaluationNetwork(Genotype genotype) {
        return new DerivedOptions(settings.evalChannels(), settings.evalLayers(), 2, genotype).toModelSpec();
    }

    private static final String HEADER = "seed,method,learning_rate,parameters,macs,parameter_free_share,"
            + "search_s,train_s,total_s,validation_acc,test_acc,round_test_acc,model";

    private String row(long seed, String method, ModelSpec model, Genotype genotype, double rate, double searchSeconds,
                       Trained t) {
        ModelSummary summary = ModelSummary.of(model);
        String description = genotype != null ? genotype.toJson() : model.getOptions().toString();
        return String.format(Locale.ROOT, "%d,%s,%s,%d,%d,%.3f,%.1f,%.1f,%.1f,%.4f,%.4f,%s,\"%s\"", seed, method, rate,
                summary.parameters(), summary.macs(),
                genotype == null ? 0.0 : GenotypeMetrics.parameterFreeShare(genotype), searchSeconds, t.seconds(),
                searchSeconds + t.seconds(), t.validation(), t.test(),
                String.join(";", t.roundTest().stream().map(a -> String.format(Locale.ROOT, "%.4f", a)).toList()),
                description.replace("\"", "'"));
    }

    private void append(String row) {
        appendTo("runs.csv", HEADER, row);
        log("recorded %s", row.length() > 160 ? row.substring(0, 160) + "..." : row);
    }

    private void appendTo(String file, String header, String row) {
        Path path = out.resolve(file);
        try {
            if (!Files.exists(path)) {
                Files.writeString(path, header + "\n");
            }
            Files.writeString(path, row + "\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "%tT " + format + "%n", prepend(System.currentTimeMillis(), args));
        System.out.flush();
    }

    private static Object[] prepend(Object first, Object[] rest) {
        Object[] all = new Object[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
