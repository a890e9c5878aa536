# expect: preprocessing_leak:error@11
import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.model_selection import train_test_split

cars = pd.read_csv("auto-mpg.csv").dropna()
features = np.array(cars.drop(columns=["mpg"]), dtype="float32")
labels = cars["mpg"].values
norm = tf.keras.layers.Normalization(axis=-1)
norm.adapt(features)  # <- leak
scaled = norm(features).numpy()
train_x, test_x, train_y, test_y = train_test_split(scaled, labels, test_size=0.2, random_state=0)
net = tf.keras.Sequential([tf.keras.layers.Dense(64, activation="relu"), tf.keras.layers.Dense(1)])
net.compile(loss="mae", optimizer="adam")
net.fit(train_x, train_y, epochs=100, verbose=0)
print("test MAE", net.evaluate(test_x, test_y, verbose=0))
