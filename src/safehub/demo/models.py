from django.db import models


class GroundTruth(models.Model):
    """What the demo generator planted, so that tests and benchmarks can check linking against known answers.

    One row per planted network (its persons of concern, selectors, places, children and the references of
    its reports), per near-miss (reports that look alike but must not be linked), and one for the confounders
    (hub phones and places, common nicknames, nicknames shared across groups, and the reports naming them). Synthetic data only;
    never shown to users as fact. The same JSON is written to VAR_DIR/demo/ground_truth.json.
    """

    class Kind(models.TextChoices):
        NETWORK = "network", "Planted exploitation network"
        NEAR_MISS = "near_miss", "Near-miss: alike but not linked"
        CONFOUNDER = "confounder", "Confounders: shared widely, not evidence of a group"

    seed = models.BigIntegerField()
    key = models.SlugField(max_length=50)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    data = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["seed", "key"]
        constraints = [models.UniqueConstraint(fields=["seed", "key"], name="ground_truth_one_per_seed_and_key")]
        verbose_name_plural = "ground truth"

    def __str__(self):
        return f"{self.kind} {self.key} (seed {self.seed})"
