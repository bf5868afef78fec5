"""A small corpus of five topics, six papers each (titles and abstracts written for these tests in
the style of arXiv abstracts), fed through the real ingest pipeline and embedded by the real model."""

from __future__ import annotations

import datetime as dt

TOPICS = {
    "diffusion": ("cs.CV", "Mira Denoiser", [
        ("Denoising Diffusion Probabilistic Models for High-Resolution Image Synthesis",
         "We train denoising diffusion models that reverse a Gaussian noising process to synthesize images, reaching state-of-the-art FID."),
        ("Latent Diffusion for Fast Text-to-Image Generation",
         "A diffusion model running in the latent space of an autoencoder generates images from text prompts at a fraction of the cost."),
        ("Score-Based Generative Modeling with Stochastic Differential Equations",
         "We unify score matching and diffusion probabilistic models through stochastic differential equations for image generation."),
        ("Classifier-Free Guidance Improves Sample Quality of Diffusion Models",
         "Guidance without a classifier trades diversity for fidelity in conditional diffusion image generation."),
        ("Video Diffusion Models for Temporally Coherent Generation",
         "We extend image diffusion models to video, denoising space-time volumes to generate coherent clips."),
        ("Consistency Distillation of Diffusion Samplers into One-Step Image Generators",
         "Distilling a diffusion model's sampler gives a one-step generator of images with little loss in quality."),
    ]),
    "graphs": ("cs.LG", "Tomas Messager", [
        ("Graph Attention Networks for Node Classification",
         "Attention over neighbourhoods lets graph neural networks weigh neighbours when classifying nodes of citation graphs."),
        ("Message Passing Neural Networks for Molecular Property Prediction",
         "A message passing framework for graph neural networks predicts quantum chemical properties of molecules."),
        ("On the Expressive Power of Graph Neural Networks and the Weisfeiler-Lehman Test",
         "We bound what message passing graph neural networks can distinguish by the Weisfeiler-Lehman graph isomorphism test."),
        ("Over-smoothing in Deep Graph Convolutional Networks",
         "Stacking many graph convolution layers makes node representations indistinguishable; we analyse and mitigate it."),
        ("Scalable Graph Neural Networks for Billion-Edge Recommendation Graphs",
         "Sampling neighbourhoods lets graph convolutional networks train on web-scale user-item graphs."),
        ("Temporal Graph Networks for Dynamic Interaction Graphs",
         "Memory modules let graph neural networks learn on graphs whose edges arrive over time."),
    ]),
    "cosmology": ("astro-ph.CO", "Vera Halo", [
        ("Constraints on Dark Energy from Type Ia Supernovae and Baryon Acoustic Oscillations",
         "Combining supernova distances with baryon acoustic oscillation measurements constrains the dark energy equation of state."),
        ("The Hubble Tension in Light of New Cepheid Calibrations",
         "New Cepheid distances sharpen the disagreement between local and cosmic microwave background measurements of the Hubble constant."),
        ("Weak Gravitational Lensing Maps of Dark Matter in Galaxy Clusters",
         "Shear measurements of background galaxies map the dark matter distribution of massive galaxy clusters."),
        ("Cosmic Microwave Background Polarization and Primordial Gravitational Waves",
         "B-mode polarization of the cosmic microwave background constrains the tensor-to-scalar ratio of inflation."),
        ("Simulating Cosmic Structure Formation with N-body Dark Matter Halos",
         "Large N-body simulations follow dark matter halos from early density fluctuations to today's cosmic web."),
        ("Reionization of the Intergalactic Medium Probed by Quasar Spectra",
         "Absorption in high-redshift quasar spectra traces when the first galaxies reionized intergalactic hydrogen."),
    ]),
    "quantum": ("quant-ph", "Grace Qubit", [
        ("Surface Code Quantum Error Correction Below Threshold",
         "Logical qubits encoded in surface codes on superconducting processors show error rates falling with code distance."),
        ("Variational Quantum Eigensolvers for Molecular Ground States",
         "Hybrid quantum-classical optimisation estimates ground state energies of small molecules on noisy quantum hardware."),
        ("Quantum Supremacy Using a Programmable Superconducting Processor",
         "Sampling random quantum circuits on 53 superconducting qubits outpaces classical supercomputers."),
        ("Entanglement Distribution over Metropolitan Quantum Networks",
         "Entangled photon pairs are distributed across fibre links, a step toward a quantum internet."),
        ("Fault-Tolerant Logical Gates with Magic State Distillation",
         "Distilled magic states complete a universal gate set for fault-tolerant quantum computation."),
        ("Trapped-Ion Qubits with Long Coherence Times",
         "Hyperfine qubits in trapped ions keep coherence for minutes, enabling high-fidelity quantum gates."),
    ]),
    "proteins": ("q-bio.BM", "Linus Fold", [
        ("Highly Accurate Protein Structure Prediction from Sequence",
         "A deep network predicts three-dimensional protein structures from amino acid sequences with atomic accuracy."),
        ("Protein Language Models Learn Evolutionary Constraints",
         "Transformers trained on millions of protein sequences capture contacts and mutational effects without supervision."),
        ("De Novo Design of Protein Binders",
         "Computational design produces new proteins that bind chosen targets with high affinity."),
        ("Molecular Dynamics of Membrane Protein Folding",
         "Long molecular dynamics simulations reveal folding pathways of membrane proteins in lipid bilayers."),
        ("Predicting Enzyme Function from Protein Structure",
         "Structure-based models annotate enzyme function for uncharacterised protein families."),
        ("Cryo-EM Reconstruction of Flexible Protein Complexes",
         "Heterogeneous reconstruction recovers the conformations of flexible protein complexes from cryo-electron microscopy images."),
    ]),
}


def paper_id(topic_index: int, i: int) -> str:
    return f"2611.{topic_index:02d}{i:03d}"


def records(today: dt.date) -> list[dict]:
    out = []
    for t, (topic, (category, author, papers)) in enumerate(TOPICS.items()):
        for i, (title, abstract) in enumerate(papers):
            out.append({
                "id": paper_id(t, i), "title": title, "abstract": abstract, "authors": [author, f"Coauthor {topic.title()} {i}"],
                "categories": [category], "published": (today - dt.timedelta(days=1 + (i + t) % 9)).isoformat(),
                "upvotes": 3 + i,
            })
    return out


def ids_of(topic: str) -> list[str]:
    t = list(TOPICS).index(topic)
    return [paper_id(t, i) for i in range(len(TOPICS[topic][2]))]


def topic_of(pid: str) -> str:
    return list(TOPICS)[int(pid.split(".")[1][:2])]
