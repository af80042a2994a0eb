package io.fedarch.coordinator.console;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.Genotype;
import io.fedarch.core.darts.GenotypeDerivation;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.darts.report.AlphaTables;
import io.fedarch.core.darts.report.CellDiagram;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.ArchitectureMask;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.DeadLetter;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.JobSpec;
import io.fedarch.events.JobSubmitted;
import io.fedarch.events.ModelReady;
import io.fedarch.events.ModelState;
import io.fedarch.events.PersonalizedModel;
import io.fedarch.events.SearchCompleted;
import io.fedarch.events.Tensor;

/**
 * The console's in-memory view of every job it has seen on the topics, and of the dead letters. It only reads events;
 * it never changes what the coordinator does. Bounded: the {@value #MAX_JOBS} most recently updated jobs and the
 * {@value #MAX_DEAD_LETTERS} latest dead letters. Every change is handed to the listeners (the SSE stream) as the
 * changed job's full view, so a page needs no second request to stay current.
 */
@ApplicationScoped
public class ConsoleState {
    static final int MAX_JOBS = 200;
    static final int MAX_DEAD_LETTERS = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, JobView> jobs = new LinkedHashMap<>();
    private final List<Map<String, Object>> deadLetters = new ArrayList<>();
    /** (event name, payload) for every change: "job" with the job's detail, "dead-letter" with the letter. */
    private final List<BiConsumer<String, Map<String, Object>>> listeners = new CopyOnWriteArrayList<>();

    public void addListener(BiConsumer<String, Map<String, Object>> listener) {
        listeners.add(listener);
    }

    public void removeListener(BiConsumer<String, Map<String, Object>> listener) {
        listeners.remove(listener);
    }

    public synchronized List<Map<String, Object>> jobs() {
        return jobs.values().stream().sorted(Comparator.comparingLong(JobView::updatedAt).reversed())
                .map(JobView::summary).toList();
    }

    public synchronized Optional<Map<String, Object>> job(String jobId) {
        return Optional.ofNullable(jobs.get(jobId)).map(JobView::detail);
    }

    public synchronized List<Map<String, Object>> deadLetters() {
        return List.copyOf(deadLetters);
    }

    /** Applies one decoded event of any type the console follows; other types are ignored. */
    public void apply(Object event) {
        Map<String, Object> changed;
        String name = "job";
        synchronized (this) {
            if (event instanceof JobSubmitted e) {
                changed = update(e.getJobId(), v -> v.submitted(e));
            } else if (event instanceof GlobalModel e) {
                changed = update(e.getJobId(), v -> {
                    v.round(e);
                    architecture(v, e);
                });
            } else if (event instanceof ClientUpdate e) {
                changed = update(e.getJobId(), v -> v.clientUpdate(e));
            } else if (event instanceof PersonalizedModel e) {
                changed = update(e.getJobId(), v -> v.personalized(e));
            } else if (event instanceof ArchitectureMask e) {
                changed = update(e.getJobId(), v -> {
                    v.mask(e);
                    maskedGenotype(v, e);
                });
            } else if (event instanceof SearchCompleted e) {
                changed = update(e.getJobId(), v -> v.completed(e));
            } else if (event instanceof ModelReady e) {
                changed = update(e.getJobId(), v -> v.modelReady(e));
            } else if (event instanceof DeadLetter e) {
                name = "dead-letter";
                changed = deadLetter(e);
            } else {
                return;
            }
        }
        for (BiConsumer<String, Map<String, Object>> listener : listeners) {
            listener.accept(name, changed);
        }
    }

    private Map<String, Object> update(String jobId, java.util.function.Consumer<JobView> change) {
        JobView view = jobs.remove(jobId);
        if (view == null) {
            view = new JobView(jobId);
            while (jobs.size() >= MAX_JOBS) {
                jobs.remove(jobs.keySet().iterator().next());
            }
        }
        jobs.put(jobId, view); // most recently changed last, so the eviction above drops the stalest job
        change.accept(view);
        return view.detail();
    }

    private Map<String, Object> deadLetter(DeadLetter letter) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("eventId", letter.getEventId());
        row.put("jobId", letter.getJobId());
        row.put("timestamp", letter.getTimestamp().toEpochMilli());
        row.put("service", letter.getService());
        row.put("sourceTopic", letter.getSourceTopic());
        row.put("sourcePartition", letter.getSourcePartition());
        row.put("sourceOffset", letter.getSourceOffset());
        row.put("key", letter.getKey());
        row.put("reason", letter.getReason());
        row.put("errorType", letter.getErrorType());
        row.put("payloadSize", letter.getPayloadSize());
        deadLetters.add(row);
        while (deadLetters.size() > MAX_DEAD_LETTERS) {
            deadLetters.remove(0);
        }
        return row;
    }

    /** A DARTS-family global model carries α: its tables, and the genotype derived from them with its cell diagram. */
    private static void architecture(JobView view, GlobalModel model) {
        JobSpec spec = model.getSpec() != null ? model.getSpec() : view.spec();
        if (spec == null || !spec.getModel().getFamily().toLowerCase(Locale.ROOT).equals(DartsFamily.NAME)) {
            return;
        }
        List<Tensor> alphas = model.getModelState().getTensors().stream()
                .filter(t -> t.getName().equals(SearchNetwork.ALPHA_NORMAL) || t.getName().equals(SearchNetwork.ALPHA_REDUCE))
                .toList();
        if (alphas.size() != 2) {
            return;
        }
        try {
            DartsOptions options = DartsFamily.options(spec.getModel());
            var parameters = TensorCodec.fromAvro(new ModelState(new ArrayList<>(alphas)));
            Object tables = JSON.readValue(AlphaTables.json(parameters, options), Object.class);
            Genotype genotype = GenotypeDerivation.derive(parameters, options);
            view.architecture(model.getRound(), tables, genotype.toJson(), CellDiagram.svg(genotype));
        } catch (IllegalArgumentException | java.io.IOException e) {
            // A model the console cannot read is shown without α; the services judge it, not the console.
        }
    }

    /** FedMetaNAS: the pruning service's genotype under the current mask is the one the job would export. */
    private static void maskedGenotype(JobView view, ArchitectureMask mask) {
        try {
            Genotype genotype = Genotype.fromJson(mask.getGenotype());
            view.architecture(mask.getRound(), null, genotype.toJson(), CellDiagram.svg(genotype));
        } catch (RuntimeException e) {
            // an unreadable genotype is shown without a diagram
        }
    }
}
