# expect: none
import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.model_selection import train_test_split

cars = pd.read_csv("auto-mpg.csv").dropna()
features = np.array(cars.drop(columns=["mpg"]), dtype="float32")
labels = cars["mpg"].values
train_x, test_x, train_y, test_y = train_test_split(features, labels, test_size=0.2, random_state=0)
norm = tf.keras.layers.Normalization(axis=-1)
norm.adapt(train_x)
net = tf.keras.Sequential([tf.keras.layers.Dense(64, activation="relu"), tf.keras.layers.Dense(1)])
net.compile(loss="mae", optimizer="adam")
net.fit(norm(train_x).numpy(), train_y, epochs=100, verbose=0)
print("test MAE", net.evaluate(norm(test_x).numpy(), test_y, verbose=0))
