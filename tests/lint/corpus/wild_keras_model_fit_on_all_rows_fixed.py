# expect: none
import pandas as pd
from sklearn.model_selection import train_test_split
from tensorflow import keras
from tensorflow.keras import layers

df = pd.read_csv("diabetes.csv")
X = df.drop("Outcome", axis=1).values.astype("float32")
y = df["Outcome"].values
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)

model = keras.Sequential([
    layers.Dense(32, activation="relu", input_shape=(X.shape[1],)),
    layers.Dense(16, activation="relu"),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(X_train, y_train, epochs=50, batch_size=16, validation_split=0.1, verbose=0)
loss, acc = model.evaluate(X_test, y_test)
print(f"test accuracy {acc:.3f}")
